"""Plan: a pledge is made, checked by its branch (approved, or returned, revised and
resubmitted), published (公示) or withdrawn before that."""

from __future__ import annotations

from contracts.periods import parse_period
from kernel import validation as v
from kernel.auth import Principal, require_branch, require_role
from kernel.commands import Decision
from kernel.envelope import Role
from kernel.errors import PermissionDenied, PreconditionFailed
from kernel.handlers import new_id
from kernel.store import AppendResult
from pledges import commands as c
from pledges.authority import as_branch_leader, as_owner
from pledges.domain.pledge import Pledge
from pledges.domain.ports import MemberOnRoll
from pledges.handlers.base import TEXT_MAX, HandlerBase

MAKERS = (Role.MEMBER, Role.SECRETARY, Role.COMMITTEE)


class PlanHandlers(HandlerBase):
    async def make_pledge(
        self, principal: Principal, cmd: c.MakePledge, key: str = ""
    ) -> AppendResult:
        """The member pledges (or their secretary, or the committee, on their behalf). A
        repeated command is answered before the inputs are checked: the checks depend on the
        day (no due date in the past), and a repeat must get its original answer whenever it
        comes. Archives is asked last, and only for a new command."""
        context = self._context(principal, cmd.school_id)
        require_role(principal, *MAKERS)
        member_id = v.identifier(cmd.member_id, "member_id")
        if principal.role is Role.MEMBER and principal.subject != member_id:
            raise PermissionDenied("a member pledges only for themself", field="member_id")
        recalled = self.executor.recall("MakePledge", cmd, context, key)
        if recalled is not None:
            return recalled
        period = parse_period(cmd.period)
        terms = self._terms(cmd.lead, cmd.title, cmd.description, cmd.targets, period)
        member = await self.members.member(cmd.school_id, member_id)
        self._may_pledge_for(principal, member)

        def decide() -> Decision:
            pledge = self.repository.load(Pledge, cmd.school_id, new_id("p"))
            pledge.make(
                member_id=member.member_id,
                member_name=member.name,
                branch_id=member.branch_id,
                period=period.id,
                terms=terms,
            )
            return Decision(pledge)

        return self._run("MakePledge", cmd, context, decide, key)

    @staticmethod
    def _may_pledge_for(principal: Principal, member: MemberOnRoll) -> None:
        if principal.role is Role.SECRETARY:
            try:
                require_branch(principal, member.branch_id)
            except PermissionDenied as error:
                raise PermissionDenied(error.message, field="member_id") from None
        if not member.active:
            raise PreconditionFailed(
                f"member {member.member_id} has left the Party roll", field="member_id"
            )

    def approve_pledge(
        self, principal: Principal, cmd: c.ApprovePledge, key: str = "", expected: int | None = None
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            pledge.approve(principal.subject, self._text(cmd.note, "note", required=False))

        return self._on_pledge(
            "ApprovePledge", principal, cmd, as_branch_leader, act, key, expected
        )

    def return_pledge(
        self, principal: Principal, cmd: c.ReturnPledge, key: str = "", expected: int | None = None
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            pledge.return_to_member(principal.subject, self._text(cmd.reason, "reason", TEXT_MAX))

        return self._on_pledge("ReturnPledge", principal, cmd, as_branch_leader, act, key, expected)

    def revise_pledge(
        self, principal: Principal, cmd: c.RevisePledge, key: str = "", expected: int | None = None
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            period = parse_period(pledge.period)
            pledge.revise(self._terms(cmd.lead, cmd.title, cmd.description, cmd.targets, period))

        return self._on_pledge("RevisePledge", principal, cmd, as_owner, act, key, expected)

    def resubmit_pledge(
        self,
        principal: Principal,
        cmd: c.ResubmitPledge,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        return self._on_pledge(
            "ResubmitPledge", principal, cmd, as_owner, Pledge.resubmit, key, expected
        )

    def publish_pledge(
        self, principal: Principal, cmd: c.PublishPledge, key: str = "", expected: int | None = None
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            pledge.publish(principal.subject)

        return self._on_pledge(
            "PublishPledge", principal, cmd, as_branch_leader, act, key, expected
        )

    def withdraw_pledge(
        self,
        principal: Principal,
        cmd: c.WithdrawPledge,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            pledge.withdraw(self._text(cmd.reason, "reason", required=False))

        return self._on_pledge("WithdrawPledge", principal, cmd, as_owner, act, key, expected)
