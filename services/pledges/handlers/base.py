"""What every pledges handler shares: the repository and executor, the caller's context, the
pledge loaded with the caller's expected version, and input rules that name the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from kernel import validation as v
from kernel.aggregate import Aggregate, Repository
from kernel.auth import Principal, require_school
from kernel.commands import CommandExecutor, Decision
from kernel.envelope import CommandContext
from kernel.errors import ConcurrencyConflict, InvalidArgument
from kernel.periods import Period
from kernel.school_calendar import PLANNED
from kernel.store import AppendResult, EventStore
from pledges import commands as c
from pledges.domain.events import Progress, TargetTerms, registry
from pledges.domain.pledge import Pledge
from pledges.domain.ports import ContactBook, MemberRoll
from pledges.domain.screening import screened
from pledges.domain.terms import TARGETS_MAX, TARGETS_MIN, Terms
from pledges.domain.vocabulary import Lead

TITLE_MAX = 100
TEXT_MAX = 2000
TARGET_MAX = 500
EVIDENCE_MAX, REFERENCE_MAX = 20, 500

# Checks the caller against what the command acts on, before the rules run.
Authority = Callable[[Principal, Any], None]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class HandlerBase:
    def __init__(
        self,
        store: EventStore,
        members: MemberRoll,
        contacts: ContactBook,
        *,
        blocked_words: tuple[str, ...] = (),
        today: Callable[[], date] = date.today,
        correlation_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.repository = Repository(store, registry)
        self.executor = CommandExecutor(self.repository)
        self.members = members
        self.contacts = contacts
        self.blocked_words = blocked_words
        self.today = today
        self.correlation_id = correlation_id

    # -- context, loading, running ---------------------------------------------------------

    def _context(self, principal: Principal, school_id: str) -> CommandContext:
        require_school(principal, school_id)
        return CommandContext(
            school_id=school_id, actor=principal.actor, correlation_id=self.correlation_id()
        )

    @staticmethod
    def _at_version(aggregate: Aggregate, expected: int | None) -> None:
        """A stale writer learns it is stale (ABORTED), whatever the rules would say of the
        newer state it has not seen."""
        if expected is not None and expected != aggregate.version:
            raise ConcurrencyConflict(
                f"{aggregate.kind} {aggregate.id} is at version {aggregate.version}, "
                f"expected {expected}",
                field="expected_version",
            )

    def _pledge(self, school_id: str, pledge_id: str) -> Pledge:
        pledge = self.repository.load(Pledge, school_id, v.identifier(pledge_id, "pledge_id"))
        pledge.require_exists()
        return pledge

    def _on_pledge(
        self,
        name: str,
        principal: Principal,
        cmd: Any,
        may: Authority,
        act: Callable[[Pledge], dict[str, Any] | None],
        key: str,
        expected: int | None,
    ) -> AppendResult:
        """The common shape of a command on an existing pledge: in the caller's school, the
        caller allowed, at the caller's version, then the pledge's own rules."""
        context = self._context(principal, cmd.school_id)

        def decide() -> Decision:
            pledge = self._pledge(cmd.school_id, cmd.pledge_id)
            may(principal, pledge)
            self._at_version(pledge, expected)
            return Decision(pledge, act(pledge) or {})

        return self.executor.run(
            name, cmd, context, decide, idempotency_key=key, expected_version=expected
        )

    # -- input rules -----------------------------------------------------------------------

    def _text(
        self,
        value: str,
        field: str,
        max_length: int = TEXT_MAX,
        required: bool = True,
        *,
        single_line: bool = False,
    ) -> str:
        return screened(
            value,
            field,
            max_length=max_length,
            required=required,
            single_line=single_line,
            blocked=self.blocked_words,
        )

    def _terms(
        self,
        lead: str,
        title: str,
        description: str,
        targets: tuple[c.TargetSpec, ...],
        period: Period,
    ) -> Terms:
        return Terms(
            lead=v.choice(lead, Lead, "lead"),
            title=self._text(title, "title", TITLE_MAX, single_line=True),
            description=self._text(description, "description", required=False),
            targets=self._targets(targets, period),
        )

    def _targets(self, specs: tuple[c.TargetSpec, ...], period: Period) -> tuple[TargetTerms, ...]:
        if not TARGETS_MIN <= len(specs) <= TARGETS_MAX:
            raise InvalidArgument(
                f"a pledge has {TARGETS_MIN}–{TARGETS_MAX} measurable targets", field="targets"
            )
        return tuple(self._target(n, spec, period) for n, spec in enumerate(specs, 1))

    def _target(self, number: int, spec: c.TargetSpec, period: Period) -> TargetTerms:
        field = f"targets[{number - 1}]"
        description = self._text(spec.description, f"{field}.description", TARGET_MAX)
        due_on = v.day(spec.due_on, f"{field}.due_on", today=self.today(), within=PLANNED)
        if not period.contains(due_on):
            raise InvalidArgument(f"{due_on} is outside period {period}", field=f"{field}.due_on")
        if due_on < self.today():
            raise InvalidArgument("must not be in the past", field=f"{field}.due_on")
        return TargetTerms(number=number, description=description, due_on=due_on)

    @staticmethod
    def _progress(figures: tuple[c.TargetFigure, ...], field: str) -> tuple[Progress, ...]:
        for index, figure in enumerate(figures):
            if figure.target < 1:
                raise InvalidArgument("targets count from 1", field=f"{field}[{index}].target")
            if not 0 <= figure.percent <= 100:
                raise InvalidArgument("must be 0–100", field=f"{field}[{index}].percent")
        return tuple(Progress(target=f.target, percent=f.percent) for f in figures)

    def _evidence(self, references: tuple[str, ...]) -> tuple[str, ...]:
        if len(references) > EVIDENCE_MAX:
            raise InvalidArgument(f"at most {EVIDENCE_MAX} references", field="evidence")
        return tuple(
            self._text(ref, f"evidence[{i}]", REFERENCE_MAX, single_line=True)
            for i, ref in enumerate(references)
        )
