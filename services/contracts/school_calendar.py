"""The calendar every API accepts: one stated range for each kind of date, period and time
that enters through a request (docs/design.md#input-ranges; the table is in
docs/architecture.md#input-boundaries).

The school calendar runs from 2000 to 2100. Records, assessments, periods, pledges and their
targets fall inside it; a date of joining the Party starts on the Party's founding day. What
has happened (a record, leaving, joining) is not in the future. Times (`as_of`) lie inside
the calendar too. Every check here compares numbers before building a date, so that no
input can overflow `datetime` arithmetic downstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from kernel.errors import InvalidArgument

FIRST_YEAR, LAST_YEAR = 2000, 2100
SCHOOL_START = date(FIRST_YEAR, 1, 1)
SCHOOL_END = date(LAST_YEAR, 12, 31)
PARTY_FOUNDED = date(1921, 7, 1)
# `as_of` and other instants: from the first moment of the calendar to its last.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOMENT_MAX = 64  # characters of an RFC 3339 time, with room for a long fraction
EARLIEST_MOMENT = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive


@dataclass(frozen=True)
class DayRange:
    """The days a kind of date may name: `earliest`..`latest`, and never after today when
    `past_only` (what is recorded as having happened)."""

    name: str
    earliest: date
    latest: date
    past_only: bool

    def refusal(self, day: date, today: date) -> str | None:
        """Why `day` is outside the range on `today`, or None when it is inside."""
        if self.past_only and day > today:
            return "must not be in the future"
        return self.span_refusal(day)

    def span_refusal(self, day: date) -> str | None:
        """Why `day` is outside `earliest`..`latest`, or None (whatever day it is today)."""
        if not self.earliest <= day <= self.latest:
            return f"must lie between {self.earliest} and {self.latest}"
        return None


# Something that happened in school: a performance record, leaving, a post assigned or released.
HAPPENED = DayRange("a past school day", SCHOOL_START, SCHOOL_END, past_only=True)
# Something planned in school: a pledge target's due date.
PLANNED = DayRange("a school day", SCHOOL_START, SCHOOL_END, past_only=False)
# Joining the Party: from the Party's founding, not in the future.
JOINED_PARTY = DayRange("a day of joining the Party", PARTY_FOUNDED, SCHOOL_END, past_only=True)


def year_in_calendar(year: int, *, slack_before: int = 0) -> bool:
    """A year the school calendar holds (`slack_before` years earlier too: an academic year
    that starts in 1999 holds the first months of 2000)."""
    return FIRST_YEAR - slack_before <= year <= LAST_YEAR


def moment_refusal(moment: datetime) -> str | None:
    """Why an aware `moment` is outside the calendar, or None. Its local year is checked
    first: only then is converting it to UTC safe from overflow."""
    if moment.utcoffset() is None:
        return "must carry a time zone offset"
    if not year_in_calendar(moment.year):
        return f"must lie in the years {FIRST_YEAR}–{LAST_YEAR}"
    if not EARLIEST_MOMENT <= moment.astimezone(UTC) < LATEST_MOMENT:
        return f"must lie in the years {FIRST_YEAR}–{LAST_YEAR}"
    return None


# -- what a request may say --------------------------------------------------------------


def day(value: str, field: str, *, today: date, within: DayRange = HAPPENED) -> date:
    """A date YYYY-MM-DD inside `within` (by default a school day that has come)."""
    try:
        if not ISO_DAY.fullmatch(value):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument("must be a date YYYY-MM-DD", field=field) from None
    refusal = within.refusal(parsed, today)
    if refusal is not None:
        raise InvalidArgument(refusal, field=field)
    return parsed


def moment(value: str, field: str) -> datetime:
    """An RFC 3339 time with a zone offset, inside the school calendar."""
    try:
        if len(value) > MOMENT_MAX:
            raise ValueError(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidArgument("must be an RFC 3339 time", field=field) from None
    refusal = moment_refusal(parsed)
    if refusal is not None:
        raise InvalidArgument(refusal, field=field)
    return parsed
