"""School periods (月度公示 / 季度通报 / 年度表彰): month, quarter, academic year.

Shared vocabulary of archives (closing periods, dating records) and scoring (evaluating them).
Ids: month `2026-09`, quarter `2026-Q3` (calendar quarters), academic year `AY2026` (starting
in the configured month, September by default, of 2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contracts.school_calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    SCHOOL_END,
    SCHOOL_START,
    year_in_calendar,
)
from kernel.errors import InvalidArgument, quoted


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
_YEAR = re.compile(r"AY([0-9]{4})")


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # exclusive

    @property
    def id(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        return f"AY{self.start.year:04d}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def __str__(self) -> str:
        return self.id


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str, *, field: str = "period", year_start_month: int = 9) -> Period:
    """Parse a period id; a malformed one, or one outside the school calendar, is an
    InvalidArgument naming `field`. Its year is checked before any date is built, so no caller
    can hold a period whose arithmetic overflows."""
    parts = _parts(text)
    if parts is None:
        raise InvalidArgument(
            f"{quoted(text)} is not a period (expected YYYY-MM, YYYY-Qn or AYyyyy)", field=field
        )
    kind, year, number = parts
    # An academic year that starts the year before the calendar holds its first months.
    if year_in_calendar(year, slack_before=1 if kind is PeriodKind.YEAR else 0):
        period = _period(kind, year, number, year_start_month)
        if period.end > SCHOOL_START and period.start <= SCHOOL_END:
            return period
    raise InvalidArgument(
        f"must lie in the school calendar's years {FIRST_YEAR}–{LAST_YEAR}", field=field
    )


def begun_period(text: str, *, field: str = "period", today: date) -> Period:
    """A period that has begun by `today`: what assesses or reviews a period (an assessment, a
    model-post review) is given during it or after it, never ahead of it. A malformed period,
    or one not begun, is an InvalidArgument naming `field`."""
    period = parse_period(text, field=field)
    if period.start > today:
        raise InvalidArgument(f"has not begun: it starts on {period.start}", field=field)
    return period


def _parts(text: str) -> tuple[PeriodKind, int, int] | None:
    """Kind, year and month or quarter number of a well-formed id."""
    if match := _MONTH.fullmatch(text):
        return PeriodKind.MONTH, int(match[1]), int(match[2])
    if match := _QUARTER.fullmatch(text):
        return PeriodKind.QUARTER, int(match[1]), int(match[2])
    if match := _YEAR.fullmatch(text):
        return PeriodKind.YEAR, int(match[1]), 0
    return None


def _period(kind: PeriodKind, year: int, number: int, year_start_month: int) -> Period:
    if kind is PeriodKind.MONTH:
        start = date(year, number, 1)
        return Period(kind, start, _add_months(start, 1))
    if kind is PeriodKind.QUARTER:
        start = date(year, (number - 1) * 3 + 1, 1)
        return Period(kind, start, _add_months(start, 3))
    start = date(year, year_start_month, 1)
    return Period(kind, start, _add_months(start, 12))


def periods_of(day: date, *, year_start_month: int = 9) -> tuple[Period, Period, Period]:
    """The month, quarter and academic year a day falls in: one event counts in all three."""
    month = parse_period(f"{day.year:04d}-{day.month:02d}")
    quarter = parse_period(f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")
    year_start = day.year if day.month >= year_start_month else day.year - 1
    year = parse_period(f"AY{year_start:04d}", year_start_month=year_start_month)
    return month, quarter, year
