"""Period ids and which periods a day falls in."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.periods import PeriodKind, begun_period, parse_period, periods_of
from kernel.errors import InvalidArgument


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


@pytest.mark.parametrize(
    "text", ["0000-01", "0001-01", "1999-12", "1999-Q4", "AY1998", "2101-01", "2101-Q1", "9999-Q4"]
)
def test_a_period_outside_the_school_calendar_is_refused_before_any_arithmetic(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_period(text, field="period")
    assert error.value.field == "period"
    assert "2000–2100" in error.value.message


@pytest.mark.parametrize("text", ["AY0000", "AY9999", "AY2101"])
def test_an_academic_year_outside_the_calendar_is_refused(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2000-01", date(2000, 1, 1)),
        ("2000-Q1", date(2000, 1, 1)),
        ("2100-12", date(2100, 12, 1)),
        ("2100-Q4", date(2100, 10, 1)),
        ("AY1999", date(1999, 9, 1)),  # holds January to August 2000
        ("AY2100", date(2100, 9, 1)),
    ],
)
def test_the_calendar_edges_are_periods(text: str, start: date) -> None:
    assert parse_period(text).start == start


def test_the_first_day_of_the_calendar_falls_in_periods_that_parse() -> None:
    assert [p.id for p in periods_of(date(2000, 1, 1))] == ["2000-01", "2000-Q1", "AY1999"]
    assert [p.id for p in periods_of(date(2100, 12, 31))] == ["2100-12", "2100-Q4", "AY2100"]


def test_an_academic_year_starting_in_january_begins_with_the_calendar() -> None:
    with pytest.raises(InvalidArgument):
        parse_period("AY1999", year_start_month=1)
    assert periods_of(date(2000, 1, 1), year_start_month=1)[2].id == "AY2000"


def test_a_day_outside_the_calendar_has_no_periods_and_no_overflow() -> None:
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(InvalidArgument):
            periods_of(day)


@pytest.mark.parametrize("text", ["2026-09\n", " 2026-09", "２０２６-09"])
def test_a_period_is_matched_whole(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_period(text)


def test_a_malformed_period_quotes_a_bounded_prefix() -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_period("x" * 10_000)
    assert len(error.value.message) < 200


@pytest.mark.parametrize("text", ["2026-11", "2026-Q4", "AY2026", "2026-10", "AY2000"])
def test_a_period_that_has_begun_is_begun_on_its_first_day_and_after(text: str) -> None:
    assert begun_period(text, today=date(2026, 11, 1)).id == text


@pytest.mark.parametrize("text", ["2026-12", "2027-Q1", "AY2027", "2100-12"])
def test_a_period_not_yet_begun_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        begun_period(text, field="period", today=date(2026, 11, 30))
    assert error.value.field == "period"
