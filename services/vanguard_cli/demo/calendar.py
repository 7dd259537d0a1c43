"""The demo's dates, all derived from one anchor month, so that the same anchor gives the same
requests (and a rerun's idempotency keys match): two closed months before it, the anchor month
itself, and an academic year for the pledges whose targets fall due well after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.periods import Period, parse_period, periods_of


def month_of(day: date) -> Period:
    return periods_of(day)[0]


def months_before(month: Period, count: int) -> Period:
    day = month.start
    for _ in range(count):
        day = (day - timedelta(days=1)).replace(day=1)
    return month_of(day)


@dataclass(frozen=True)
class Calendar:
    anchor: Period  # the month the demo was first loaded in

    @classmethod
    def of(cls, day: date) -> Calendar:
        return cls(month_of(day))

    @classmethod
    def after_closed(cls, first_closed: date) -> Calendar:
        """The calendar whose first closed month holds `first_closed`."""
        return cls(_plus(first_closed, 2))

    @property
    def closed(self) -> tuple[Period, Period]:
        return months_before(self.anchor, 2), months_before(self.anchor, 1)

    def day(self, month: Period, number: int) -> date:
        """The `number`th day (1-based, wrapped into 1–28) of a month."""
        return month.start + timedelta(days=(number - 1) % 28)

    @property
    def pledge_period(self) -> Period:
        """The academic year three months on: targets due inside it stay in the future
        for a while after the anchor month."""
        return periods_of(_plus(self.anchor.start, 3).start)[2]

    def due(self, months_on: int) -> date:
        """A target's due date: the first of a month after the anchor, inside the period."""
        period = self.pledge_period
        day = _plus(self.anchor.start, months_on).start
        return min(max(day, period.start), period.end - timedelta(days=1))


def _plus(day: date, months: int) -> Period:
    index = day.year * 12 + day.month - 1 + months
    return parse_period(f"{index // 12:04d}-{index % 12 + 1:02d}")
