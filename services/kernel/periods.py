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

from kernel.errors import InvalidArgument


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^AY(\d{4})$")


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
    """Parse a period id; a malformed one is an InvalidArgument naming `field`."""
    if match := _MONTH.match(text):
        start = date(int(match[1]), int(match[2]), 1)
        return Period(PeriodKind.MONTH, start, _add_months(start, 1))
    if match := _QUARTER.match(text):
        start = date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1)
        return Period(PeriodKind.QUARTER, start, _add_months(start, 3))
    if match := _YEAR.match(text):
        start = date(int(match[1]), year_start_month, 1)
        return Period(PeriodKind.YEAR, start, _add_months(start, 12))
    raise InvalidArgument(
        f"{text!r} is not a period (expected YYYY-MM, YYYY-Qn or AYyyyy)", field=field
    )


def periods_of(day: date, *, year_start_month: int = 9) -> tuple[Period, Period, Period]:
    """The month, quarter and academic year a day falls in: one event counts in all three."""
    month = parse_period(f"{day.year:04d}-{day.month:02d}")
    quarter = parse_period(f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")
    year_start = day.year if day.month >= year_start_month else day.year - 1
    year = parse_period(f"AY{year_start:04d}", year_start_month=year_start_month)
    return month, quarter, year
