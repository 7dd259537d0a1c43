"""Screening of text the public and members send: what is published or shown to a secretary
passes the kernel's text rules (trimmed, stated length, no control or bidi characters) and,
on top of them, must be civil. A refusal names the field and never echoes the text."""

from __future__ import annotations

from collections.abc import Iterable

from kernel import validation as v
from kernel.errors import InvalidArgument


def civil(value: str, field: str, blocked: Iterable[str]) -> str:
    folded = value.casefold()
    if any(word and word.casefold() in folded for word in blocked):
        raise InvalidArgument("contains words this board does not publish", field=field)
    return value


def screened(
    value: str,
    field: str,
    *,
    max_length: int,
    required: bool = True,
    single_line: bool = False,
    blocked: Iterable[str] = (),
) -> str:
    """Trimmed text of at most `max_length` characters, printable (one line when
    `single_line`) and without blocked words."""
    rule = v.line if single_line else v.text
    return civil(rule(value, field, max_length=max_length, required=required), field, blocked)
