"""Screening of text the public and members send: what is published or shown to a secretary
must be printable and civil. A refusal names the field and never echoes the text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from kernel.errors import InvalidArgument
from kernel.validation import text

ALLOWED_CONTROLS = frozenset("\n\t")
# Invisible characters that reorder or hide text (Trojan-source style), refused as well.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)


def printable(value: str, field: str) -> str:
    for char in value:
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS:
            raise InvalidArgument(f"contains a control character (U+{ord(char):04X})", field=field)
    return value


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
    blocked: Iterable[str] = (),
) -> str:
    """Trimmed text of at most `max_length` characters, printable and without blocked words."""
    return civil(
        printable(text(value, field, max_length=max_length, required=required), field),
        field,
        blocked,
    )
