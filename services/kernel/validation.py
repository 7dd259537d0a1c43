"""Input rules shared by every service's commands; each failure names the field at fault."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import TypeVar

from kernel.errors import InvalidArgument

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
POINTS_MAX = 100.0
E = TypeVar("E", bound=StrEnum)


def identifier(value: str, field: str) -> str:
    if not IDENTIFIER.match(value):
        raise InvalidArgument(
            "must be 1–64 letters, digits, '_', '-' or '.', starting with a letter or digit",
            field=field,
        )
    return value


def text(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument("must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidArgument(f"must be at most {max_length} characters", field=field)
    return value


def day(value: str, field: str, *, today: date, allow_future: bool = False) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument("must be a date YYYY-MM-DD", field=field) from None
    if not allow_future and parsed > today:
        raise InvalidArgument("must not be in the future", field=field)
    return parsed


def points(value: float, field: str, *, maximum: float = POINTS_MAX) -> float:
    if not 0 <= value <= maximum:  # also rejects NaN
        raise InvalidArgument(f"must be between 0 and {maximum:g}", field=field)
    return float(value)


def choice(value: str, kind: type[E], field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidArgument(f"must be one of: {allowed}", field=field) from None
