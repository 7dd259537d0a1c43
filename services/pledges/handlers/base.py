"""What every pledges handler shares, beyond the kernel's `HandlerBase`: the member roll and
contact book, the pledge loaded at the caller's expected version, and input rules that name
the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from contracts import school_calendar
from contracts.periods import Period
from contracts.pledges import Progress, TargetTerms, registry
from contracts.school_calendar import PLANNED
from contracts.vocabulary import Lead
from kernel import validation as v
from kernel.auth import Principal
from kernel.commands import Decision
from kernel.errors import InvalidArgument
from kernel.handlers import HandlerBase as BaseHandlers
from kernel.store import AppendResult, EventStore
from pledges import commands as c
from pledges.domain.pledge import Pledge
from pledges.domain.ports import ContactBook, MemberRoll
from pledges.domain.screening import screened
from pledges.domain.terms import TARGETS_MAX, TARGETS_MIN, Terms

TITLE_MAX = 100
TEXT_MAX = 2000
TARGET_MAX = 500
EVIDENCE_MAX, REFERENCE_MAX = 20, 500

# Checks the caller against what the command acts on, before the rules run.
Authority = Callable[[Principal, Any], None]


class HandlerBase(BaseHandlers):
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
        super().__init__(store, registry, today=today, correlation_id=correlation_id)
        self.members = members
        self.contacts = contacts
        self.blocked_words = blocked_words

    # -- loading, running ------------------------------------------------------------------

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

        return self._run(name, cmd, context, decide, key, expected)

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
        due_on = school_calendar.day(
            spec.due_on, f"{field}.due_on", today=self.today(), within=PLANNED
        )
        if not period.contains(due_on):
            raise InvalidArgument(f"{due_on} is outside period {period}", field=f"{field}.due_on")
        if due_on < self.today():
            raise InvalidArgument("must not be in the past", field=f"{field}.due_on")
        return TargetTerms(number=number, description=description, due_on=due_on)

    @staticmethod
    def _progress(figures: tuple[c.TargetFigure, ...], field: str) -> tuple[Progress, ...]:
        progress = []
        for index, figure in enumerate(figures):
            if figure.target < 1:
                raise InvalidArgument("targets count from 1", field=f"{field}[{index}].target")
            if figure.percent is None:
                raise InvalidArgument("is required (0–100)", field=f"{field}[{index}].percent")
            if not 0 <= figure.percent <= 100:
                raise InvalidArgument("must be 0–100", field=f"{field}[{index}].percent")
            progress.append(Progress(target=figure.target, percent=figure.percent))
        return tuple(progress)

    def _evidence(self, references: tuple[str, ...]) -> tuple[str, ...]:
        if len(references) > EVIDENCE_MAX:
            raise InvalidArgument(f"at most {EVIDENCE_MAX} references", field="evidence")
        return tuple(
            self._text(ref, f"evidence[{i}]", REFERENCE_MAX, single_line=True)
            for i, ref in enumerate(references)
        )
