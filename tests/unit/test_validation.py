"""The input rules every service applies (kernel.validation and contracts.school_calendar): each
edge of each range, ids matched whole, texts without hidden characters, and errors that
never quote more than a bounded prefix of what was sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import school_calendar as calendar
from contracts.school_calendar import HAPPENED, JOINED_PARTY, PLANNED, DayRange
from kernel import validation as v
from kernel.errors import MESSAGE_MAX, QUOTE_MAX, InvalidArgument, NotFound, quoted

TODAY = date(2026, 12, 4)
HUGE = "x" * 10_000


def refused(call: Callable[..., object], *args: object, **kwargs: object) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        call(*args, **kwargs)
    return caught.value


# -- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["m-1", "a", "School_9.x", "9" * 64, "a" + "-" * 63])
def test_an_id_of_up_to_64_allowed_characters_is_accepted(value: str) -> None:
    assert v.identifier(value, "member_id") == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "f1\n",  # `$` would have matched before the newline
        "f1\r\n",
        "\nf1",
        "a" * 65,
        "-m1",
        "m 1",
        "m/1",
        "王小明",
        "m1\u202e",
        "m\x001",
        "１２",  # full-width digits are not ASCII digits
        HUGE,
    ],
)
def test_a_malformed_id_is_refused_naming_the_field(value: str) -> None:
    error = refused(v.identifier, value, "member_id")
    assert error.field == "member_id"
    assert len(error.message) < 200  # the rule, never the value


def test_an_empty_id_filter_means_any_and_a_filter_is_an_id() -> None:
    assert v.optional_identifier("", "branch_id") == ""
    assert v.optional_identifier("b-1", "branch_id") == "b-1"
    assert refused(v.optional_identifier, "b 1", "branch_id").field == "branch_id"


# -- texts -------------------------------------------------------------------------------------


def test_a_text_is_trimmed_and_keeps_newlines_and_tabs_inside() -> None:
    assert v.text("  第一段\n\t第二段  ", "reason", max_length=20) == "第一段\n\t第二段"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("好\x00", "U+0000"),
        ("好\x07", "U+0007"),
        ("a\rb", "U+000D"),
        ("a\x7fb", "U+007F"),
        ("a\x85b", "U+0085"),
        ("abc\u202eexe.txt", "U+202E"),
        ("\u2066x\u2069", "U+2066"),
        ("a\u200fb", "U+200F"),
    ],
)
def test_control_and_bidi_characters_are_refused_in_every_text(value: str, code: str) -> None:
    for rule in (v.text, v.line):
        error = refused(rule, value, "description", max_length=100)
        assert error.field == "description"
        assert code in error.message


@pytest.mark.parametrize("value", ["王\n小明", "王\t小明", "王\u2028小明", "王\u2029小明"])
def test_a_single_line_refuses_line_breaks_and_tabs(value: str) -> None:
    assert refused(v.line, value, "name", max_length=50).field == "name"


def test_a_name_ending_in_a_newline_is_trimmed_to_the_name() -> None:
    assert v.line("王小明\n", "name", max_length=50) == "王小明"


def test_lengths_are_stated_and_counted_after_trimming() -> None:
    assert v.line(" " + "王" * 50 + " ", "name", max_length=50) == "王" * 50
    assert refused(v.line, "王" * 51, "name", max_length=50).message == (
        "must be at most 50 characters"
    )
    assert refused(v.text, HUGE, "reason", max_length=2000).field == "reason"


def test_a_required_text_is_not_blank_and_an_optional_one_may_be() -> None:
    assert refused(v.text, " \n\t ", "reason", max_length=10).message == "must not be empty"
    assert v.text(" \n ", "reason", max_length=10, required=False) == ""


def test_ordinary_unicode_passes() -> None:
    value = "党员示范岗 👩‍🏫 ½ — «ok»"  # an emoji with a zero-width joiner is not a bidi control
    assert v.line(value, "name", max_length=50) == value


# -- days --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "within", "accepted"),
    [
        ("1999-12-31", HAPPENED, False),
        ("2000-01-01", HAPPENED, True),
        ("2026-12-04", HAPPENED, True),  # today
        ("2026-12-05", HAPPENED, False),  # tomorrow
        ("2024-02-29", HAPPENED, True),  # a leap day
        ("2100-12-31", PLANNED, True),
        ("2101-01-01", PLANNED, False),
        ("1999-12-31", PLANNED, False),
        ("2027-06-30", PLANNED, True),  # planned days may lie ahead
        ("1921-06-30", JOINED_PARTY, False),
        ("1921-07-01", JOINED_PARTY, True),
        ("1999-07-01", JOINED_PARTY, True),
        ("2026-12-05", JOINED_PARTY, False),
        ("0001-01-01", HAPPENED, False),
        ("9999-12-31", PLANNED, False),
    ],
)
def test_each_kind_of_day_has_its_stated_range(
    value: str, within: DayRange, accepted: bool
) -> None:
    if accepted:
        assert calendar.day(value, "occurred_on", today=TODAY, within=within).isoformat() == value
    else:
        error = refused(calendar.day, value, "occurred_on", today=TODAY, within=within)
        assert error.field == "occurred_on"


@pytest.mark.parametrize(
    "value",
    ["2025-02-29", "2026-02-30", "2026/02/01", "20260201", "2026-W05-1", "2026-2-1", "", HUGE],
)
def test_a_day_is_written_yyyy_mm_dd_and_exists(value: str) -> None:
    error = refused(calendar.day, value, "occurred_on", today=TODAY)
    assert error.message == "must be a date YYYY-MM-DD"


def test_a_day_with_a_trailing_newline_is_refused() -> None:
    assert refused(calendar.day, "2026-01-01\n", "occurred_on", today=TODAY).field == "occurred_on"


# -- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-01T08:00:00+08:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2000-01-01T00:00:00Z", datetime(2000, 1, 1, tzinfo=UTC)),
        ("2100-12-31T23:59:59.999999+00:00", datetime(2101, 1, 1, tzinfo=UTC) - timedelta(0, 0, 1)),
    ],
)
def test_a_time_in_the_calendar_with_an_offset_is_accepted(value: str, expected: datetime) -> None:
    assert calendar.moment(value, "as_of") == expected


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",  # converting to UTC would overflow
        "9999-12-31T23:59:59-01:00",
        "1999-12-31T23:59:59Z",
        "2000-01-01T07:59:59+08:00",  # 1999 in UTC
        "2101-01-01T00:00:00Z",
        "2100-12-31T23:00:00-02:00",  # 2101 in UTC
        "2026-01-01T08:00:00",  # no offset names no instant
        "yesterday",
        "",
        HUGE,
    ],
)
def test_a_time_outside_the_calendar_or_without_an_offset_is_refused(value: str) -> None:
    assert refused(calendar.moment, value, "as_of").field == "as_of"


# -- errors ------------------------------------------------------------------------------------


def test_a_quote_is_a_bounded_prefix() -> None:
    assert quoted("m-1") == "'m-1'"
    assert quoted(HUGE) == repr("x" * QUOTE_MAX) + "…"
    assert quoted("a\u202eb") == "'a\\u202eb'"  # shown escaped, never applied


def test_every_error_message_is_bounded_whatever_its_raiser_put_in_it() -> None:
    error = NotFound(f"member {HUGE} does not exist", field="member_id" + HUGE)
    assert len(error.message) <= MESSAGE_MAX
    assert error.field is not None and len(error.field) < 200


def test_points_and_choices_are_unchanged() -> None:
    assert v.points(100, "score") == 100.0
    assert refused(v.points, float("nan"), "score").field == "score"
