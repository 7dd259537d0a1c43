"""The school (学校) with its branches (党支部) and closed periods."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.archives import BranchEstablished, PeriodClosed, SchoolRegistered
from contracts.periods import Period, parse_period
from kernel.aggregate import Aggregate
from kernel.errors import InvalidArgument, NotFound, PreconditionFailed


@dataclass(frozen=True)
class Closed:
    """A closed period and the PeriodClosed event that closed it (named when a command is
    refused for it)."""

    period: Period
    event_id: str

    def refusal(self, what: str, field: str) -> PreconditionFailed:
        """Refuse a command that would change this closed period."""
        return PreconditionFailed(
            f"{what} lies in period {self.period}, closed by PeriodClosed {self.event_id}: "
            "a closed period changes only through an upheld appeal (appeal_id)",
            field=field,
        )


class School(Aggregate):
    kind = "school"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.name = ""
        self.branches: dict[str, str] = {}  # branch id -> name
        self.closed: list[Period] = []
        self.closes: list[Closed] = []  # with the PeriodClosed ids, as replayed from the store

    # -- commands ------------------------------------------------------------------------

    def register(self, name: str) -> None:
        if self.exists:
            raise PreconditionFailed(f"school {self.id} is already registered", field="school_id")
        self.record(SchoolRegistered(school_id=self.id, name=name))

    def establish_branch(self, branch_id: str, name: str) -> None:
        self.require_registered()
        if branch_id in self.branches:
            raise PreconditionFailed(f"branch {branch_id} already exists", field="branch_id")
        self.record(BranchEstablished(school_id=self.id, branch_id=branch_id, name=name))

    def close_period(self, period: Period, today: date) -> None:
        """Close a period that has ended (its `end` is the day after its last): what is
        published for it must not change after the close."""
        self.require_registered()
        if period.start > today:
            raise PreconditionFailed(f"period {period} has not started", field="period")
        if period.end > today:
            last_day = period.end - timedelta(days=1)
            raise PreconditionFailed(
                f"period {period} has not ended: it runs until {last_day}", field="period"
            )
        if period in self.closed:
            raise PreconditionFailed(f"period {period} is already closed", field="period")
        self.record(PeriodClosed(school_id=self.id, period=period.id, kind=period.kind))

    # -- rules other aggregates ask ------------------------------------------------------

    def require_registered(self) -> None:
        if not self.exists:
            raise NotFound(f"school {self.id} is not registered", field="school_id")

    def require_branch(self, branch_id: str, field: str = "branch_id") -> None:
        self.require_registered()
        if branch_id not in self.branches:
            raise NotFound(f"branch {branch_id} does not exist", field=field)

    def is_closed_day(self, day: date) -> bool:
        return self.close_of_day(day) is not None

    def is_closed_period(self, period: Period) -> bool:
        return self.close_of_period(period) is not None

    def close_of_day(self, day: date) -> Closed | None:
        """The (first) close of a period holding `day`, None when it lies in no closed one."""
        return next((c for c in self.closes if c.period.contains(day)), None)

    def close_of_period(self, period: Period) -> Closed | None:
        """A period is closed when it, or a closed period containing it, was closed."""
        return next((c for c in self.closes if _within(period, c.period)), None)

    # -- state ---------------------------------------------------------------------------

    def when_SchoolRegistered(self, event: SchoolRegistered) -> None:
        self.name = event.name

    def when_BranchEstablished(self, event: BranchEstablished) -> None:
        self.branches[event.branch_id] = event.name

    def when_PeriodClosed(self, event: PeriodClosed) -> None:
        # One closed before the calendar was enforced holds no day or period the APIs accept
        # now: it decides nothing, and the school's replay must not fail on it.
        with suppress(InvalidArgument):
            period = parse_period(event.period)
            self.closed.append(period)
            self.closes.append(Closed(period, self.applying_event_id))


def _within(inner: Period, outer: Period) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end
