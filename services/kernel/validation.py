"""Input rules shared by every service's commands and queries; each failure names the field at
fault and never echoes more than a bounded prefix of the value (`kernel.errors.quoted`).

Ids: 1–64 ASCII letters, digits, '_', '-', '.', starting with a letter or digit, matched as a
whole (a trailing newline is refused). Texts: trimmed; no control characters (a multi-line text
may hold newlines and tabs) and no bidi controls (they reorder what a reader sees); at most the
stated length. Dates and times are the school calendar's (`contracts.school_calendar`).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import TypeVar

from kernel.errors import InvalidArgument

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
POINTS_MAX = 100.0
PAGE_DEFAULT, PAGE_MAX = 50, 500  # items a listing answers when unasked, at the most
# Invisible characters that reorder or hide text (Trojan-source style).
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
MULTI_LINE = frozenset("\n\t")
LINE_BREAKS = frozenset("\u2028\u2029")  # refused in a single line, like \n
E = TypeVar("E", bound=StrEnum)


def identifier(value: str, field: str) -> str:
    if not IDENTIFIER.fullmatch(value):
        raise InvalidArgument(
            "must be 1–64 letters, digits, '_', '-' or '.', starting with a letter or digit",
            field=field,
        )
    return value


def optional_identifier(value: str, field: str) -> str:
    """An id filter: empty means 'any', anything else must be an id."""
    return identifier(value, field) if value else value


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """A multi-line text (a description, a reason): trimmed; newlines and tabs allowed."""
    return _checked(value, field, max_length=max_length, required=required, allowed=MULTI_LINE)


def line(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """A single-line text (a name, a title): trimmed; no newline or tab either."""
    return _checked(value, field, max_length=max_length, required=required, allowed=frozenset())


def _checked(
    value: str, field: str, *, max_length: int, required: bool, allowed: frozenset[str]
) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument("must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidArgument(f"must be at most {max_length} characters", field=field)
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS:
            raise InvalidArgument(f"contains a control character (U+{ord(char):04X})", field=field)
        if not allowed and char in LINE_BREAKS:
            raise InvalidArgument(f"must be one line (U+{ord(char):04X})", field=field)
    return value


def points(value: float | None, field: str, *, maximum: float = POINTS_MAX) -> float:
    """Points or a score, 0 to `maximum`; None (a number the caller left unset) is missing."""
    if value is None:
        raise InvalidArgument(f"is required (0–{maximum:g})", field=field)
    if not 0 <= value <= maximum:  # also rejects NaN
        raise InvalidArgument(f"must be between 0 and {maximum:g}", field=field)
    return float(value)


def choice(value: str, kind: type[E], field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidArgument(f"must be one of: {allowed}", field=field) from None


def page_size(value: int, field: str = "page_size") -> int:
    """A listing's page size: 0 asks for the default, more than PAGE_MAX is refused."""
    if not 0 <= value <= PAGE_MAX:
        raise InvalidArgument(f"must be between 0 and {PAGE_MAX}", field=field)
    return value or PAGE_DEFAULT
