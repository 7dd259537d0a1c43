"""Appeals: a member contests one of their records or a period's evaluation; the committee
resolves it."""

from __future__ import annotations

from archives import commands as c
from archives.domain.appeal import Appeal
from archives.domain.record import PerformanceRecord
from archives.handlers.base import COMMITTEE, TEXT_MAX, HandlerBase
from contracts.periods import parse_period
from contracts.vocabulary import AppealOutcome, AppealSubject
from kernel import validation as v
from kernel.auth import Principal, require_role
from kernel.commands import Decision
from kernel.envelope import Role
from kernel.errors import NotFound, PermissionDenied, PreconditionFailed
from kernel.store import AppendResult


class AppealHandlers(HandlerBase):
    def file_appeal(self, principal: Principal, cmd: c.FileAppeal, key: str = "") -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, Role.MEMBER)
        if principal.subject != cmd.member_id:
            raise PermissionDenied("a member appeals only for themself")

        def decide() -> Decision:
            member = self._member(cmd.school_id, cmd.member_id)
            subject = v.choice(cmd.subject, AppealSubject, "subject")
            if subject is AppealSubject.RECORD:
                record = self.repository.load(
                    PerformanceRecord, cmd.school_id, v.identifier(cmd.subject_id, "subject_id")
                )
                if not record.exists or record.member_id != member.id:
                    raise NotFound("no record of this member has that id", field="subject_id")
            else:  # an evaluation is appealed once it is published: its period closed
                period = parse_period(cmd.subject_id, field="subject_id")
                if self._school(cmd.school_id).close_of_period(period) is None:
                    raise PreconditionFailed(
                        f"period {period} is not closed: its evaluation is appealed once it "
                        "is published",
                        field="subject_id",
                    )
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX)
            appeal = self._new_or_named(Appeal, cmd.school_id, "", "appeal_id", "a")
            appeal.file(member.id, subject, cmd.subject_id, reason)
            return Decision(appeal)

        return self._run("FileAppeal", cmd, context, decide, key)

    def resolve_appeal(
        self, principal: Principal, cmd: c.ResolveAppeal, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            appeal = self.repository.load(
                Appeal, cmd.school_id, v.identifier(cmd.appeal_id, "appeal_id")
            )
            appeal.resolve(
                v.choice(cmd.outcome, AppealOutcome, "outcome"),
                v.text(cmd.reason, "reason", max_length=TEXT_MAX),
            )
            return Decision(appeal)

        return self._run("ResolveAppeal", cmd, context, decide, key)
