"""Members on the roll: registered in a branch, transferred, recorded as having left."""

from __future__ import annotations

from archives import commands as c
from archives.domain.member import Member
from archives.handlers.base import COMMITTEE, NAME_MAX, TEXT_MAX, HandlerBase
from contracts import school_calendar
from contracts.school_calendar import JOINED_PARTY
from contracts.vocabulary import MemberRole
from kernel import validation as v
from kernel.auth import Principal, require_role
from kernel.commands import Decision
from kernel.errors import InvalidArgument
from kernel.store import AppendResult


class MemberHandlers(HandlerBase):
    def register_member(
        self, principal: Principal, cmd: c.RegisterMember, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        self._lead_branch(principal, cmd.branch_id)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            name = v.line(cmd.name, "name", max_length=NAME_MAX)
            school.require_branch(v.identifier(cmd.branch_id, "branch_id"))
            if not cmd.roles:
                raise InvalidArgument("at least one role is required", field="roles")
            roles = tuple(dict.fromkeys(v.choice(r, MemberRole, "roles") for r in cmd.roles))
            joined = school_calendar.day(
                cmd.joined_party_on, "joined_party_on", today=self.today(), within=JOINED_PARTY
            )
            member = self._new_or_named(Member, cmd.school_id, cmd.member_id, "member_id", "m")
            member.register(name, cmd.branch_id, roles, joined)
            return Decision(member)

        return self._run("RegisterMember", cmd, context, decide, key)

    def transfer_member(
        self,
        principal: Principal,
        cmd: c.TransferMember,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            school.require_branch(v.identifier(cmd.to_branch_id, "to_branch_id"), "to_branch_id")
            member = self._member(cmd.school_id, cmd.member_id)
            member.transfer(
                cmd.to_branch_id, v.text(cmd.reason, "reason", max_length=TEXT_MAX, required=False)
            )
            return Decision(member)

        return self._run("TransferMember", cmd, context, decide, key, expected_version)

    def record_member_left(
        self,
        principal: Principal,
        cmd: c.RecordMemberLeft,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            member = self._member(cmd.school_id, cmd.member_id)
            left_on = school_calendar.day(cmd.left_on, "left_on", today=self.today())
            member.leave(left_on, v.text(cmd.reason, "reason", max_length=TEXT_MAX, required=False))
            return Decision(member)

        return self._run("RecordMemberLeft", cmd, context, decide, key, expected_version)
