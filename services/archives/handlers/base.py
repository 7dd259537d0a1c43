"""What every archives handler shares, beyond the kernel's `HandlerBase`: the ballot secret,
the school and member loaded and checked, new or named aggregates, open periods and days,
and who leads a branch."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from archives.domain.appeal import Appeal
from archives.domain.member import Member
from archives.domain.school import Closed, School
from contracts import school_calendar
from contracts.archives import registry
from contracts.periods import Period, begun_period
from kernel import validation as v
from kernel.aggregate import Aggregate
from kernel.auth import Principal, require_branch, require_role
from kernel.envelope import Role
from kernel.errors import PreconditionFailed
from kernel.handlers import HandlerBase as BaseHandlers
from kernel.handlers import new_id
from kernel.store import EventStore

NAME_MAX = 50  # a person, a branch, a school
NAME_MAX_POST = 100
EVIDENCE_REF_MAX = 500
TEXT_MAX = 2000
EVIDENCE_MAX = 20

COMMITTEE = (Role.COMMITTEE,)
BRANCH_LEADERS = (Role.SECRETARY, Role.COMMITTEE)

A = TypeVar("A", bound=Aggregate)


class HandlerBase(BaseHandlers):
    def __init__(
        self,
        store: EventStore,
        *,
        ballot_secret: bytes,
        today: Callable[[], date] = date.today,
        correlation_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        super().__init__(store, registry, today=today, correlation_id=correlation_id)
        self.ballot_secret = ballot_secret

    def _school(self, school_id: str) -> School:
        school = self.repository.load(School, school_id, school_id)
        school.require_registered()
        return school

    def _member(self, school_id: str, member_id: str, field: str = "member_id") -> Member:
        member = self.repository.load(Member, school_id, v.identifier(member_id, field))
        member.require_exists(field)
        return member

    def _school_and_member(
        self, school_id: str, member_id: str, field: str = "member_id"
    ) -> tuple[School, Member]:
        """`_school` then `_member` (same checks, same order), read in one go. Reading under an
        id that turns out invalid is harmless: the id is a bound parameter."""
        school, member = self.repository.load_two(
            (School, school_id, school_id), (Member, school_id, member_id)
        )
        school.require_registered()
        v.identifier(member_id, field)
        member.require_exists(field)
        return school, member

    def _new_or_named(
        self, kind: type[A], school_id: str, requested: str, field: str, prefix: str
    ) -> A:
        """The aggregate a caller named (as its stream has it), or a new one with a generated
        id. A generated id names no stream yet, so there is nothing to read; if it ever did,
        the append at version 0 would be refused (ABORTED), never merged."""
        if requested:
            return self.repository.load(kind, school_id, v.identifier(requested, field))
        return kind(school_id, new_id(prefix))

    def _open_period(
        self,
        school: School,
        text: str,
        field: str = "period",
        *,
        member_id: str = "",
        appeal_id: str = "",
    ) -> Period:
        """A period to assess or review: begun, and not closed (unless an upheld appeal of
        `member_id` unlocks it)."""
        period = begun_period(text, field=field, today=self.today())
        closed = school.close_of_period(period)
        self._unfrozen(school, closed, period, f"period {period}", field, member_id, appeal_id)
        return period

    def _open_day(
        self, school: School, text: str, field: str, *, member_id: str = "", appeal_id: str = ""
    ) -> date:
        """A day to record on: not in a closed period (unless an upheld appeal of `member_id`
        unlocks it)."""
        day = school_calendar.day(text, field, today=self.today())
        closed = school.close_of_day(day)
        self._unfrozen(school, closed, day, str(day), field, member_id, appeal_id)
        return day

    def _unfrozen(
        self,
        school: School,
        closed: Closed | None,
        when: Period | date,
        what: str,
        field: str,
        member_id: str,
        appeal_id: str,
        record_id: str = "",
    ) -> None:
        """Frozen closes: a command that would change a closed period is refused, naming the
        close, unless `appeal_id` names an upheld appeal that unlocks exactly this (the
        member's record or period). An appeal id for an open period is refused too: it would
        mark a fact as an appeal's that is none."""
        if closed is None:
            if appeal_id:
                raise PreconditionFailed(
                    f"{what} lies in no closed period: no appeal is needed", field="appeal_id"
                )
            return
        if not appeal_id:
            raise closed.refusal(what, field)
        appeal = self.repository.load(Appeal, school.id, v.identifier(appeal_id, "appeal_id"))
        appeal.unlock(member_id, when, record_id)

    @staticmethod
    def _lead_branch(principal: Principal, branch_id: str) -> None:
        """Secretaries act for their own branch; the committee for every branch."""
        require_role(principal, *BRANCH_LEADERS)
        require_branch(principal, branch_id)
