"""Period ids and which periods a day falls in."""

from __future__ import annotations

from datetime import date

import pytest

from kernel.errors import InvalidArgument
from kernel.periods import PeriodKind, parse_period, periods_of


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026-09", PeriodKind.MONTH, date(2026, 9, 1), date(2026, 10, 1)),
        ("2026-12", PeriodKind.MONTH, date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q4", PeriodKind.QUARTER, date(2026, 10, 1), date(2027, 1, 1)),
        ("AY2026", PeriodKind.YEAR, date(2026, 9, 1), date(2027, 9, 1)),
    ],
)
def test_period_ids_parse_and_round_trip(
    text: str, kind: PeriodKind, start: date, end: date
) -> None:
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.id) == (kind, start, end, text)


@pytest.mark.parametrize("text", ["2026-13", "2026-9", "2026-Q5", "AY26", "", "2026/09"])
def test_a_malformed_period_names_the_field(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_period(text, field="period")
    assert error.value.field == "period"


def test_one_day_counts_in_its_month_quarter_and_academic_year() -> None:
    month, quarter, year = periods_of(date(2027, 2, 14))
    assert (month.id, quarter.id, year.id) == ("2027-02", "2027-Q1", "AY2026")
    assert periods_of(date(2026, 9, 1))[2].id == "AY2026"
    assert periods_of(date(2026, 8, 31))[2].id == "AY2025"


def test_the_academic_year_start_month_is_configurable() -> None:
    assert periods_of(date(2026, 3, 1), year_start_month=3)[2].id == "AY2026"
    assert parse_period("AY2026", year_start_month=3).start == date(2026, 3, 1)
