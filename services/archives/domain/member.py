"""A teacher-member (教师党员) of the school."""

from __future__ import annotations

from datetime import date

from contracts.archives import MemberLeft, MemberRegistered, MemberTransferred
from contracts.vocabulary import MemberRole
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PreconditionFailed


class Member(Aggregate):
    kind = "member"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.name = ""
        self.branch_id = ""
        self.roles: tuple[MemberRole, ...] = ()
        self.joined_party_on: date | None = None
        self.active = False

    def register(
        self, name: str, branch_id: str, roles: tuple[MemberRole, ...], joined_party_on: date
    ) -> None:
        if self.exists:
            raise PreconditionFailed(f"member {self.id} is already registered", field="member_id")
        self.record(
            MemberRegistered(
                member_id=self.id,
                name=name,
                branch_id=branch_id,
                roles=roles,
                joined_party_on=joined_party_on,
            )
        )

    def transfer(self, to_branch_id: str, reason: str) -> None:
        self.require_active()
        if to_branch_id == self.branch_id:
            raise PreconditionFailed(
                f"member {self.id} is already in branch {to_branch_id}", field="to_branch_id"
            )
        self.record(
            MemberTransferred(
                member_id=self.id,
                from_branch_id=self.branch_id,
                to_branch_id=to_branch_id,
                reason=reason,
            )
        )

    def leave(self, left_on: date, reason: str) -> None:
        self.require_active()
        self.record(
            MemberLeft(member_id=self.id, branch_id=self.branch_id, left_on=left_on, reason=reason)
        )

    def require_exists(self, field: str = "member_id") -> None:
        if not self.exists:
            raise NotFound(f"member {self.id} does not exist", field=field)

    def require_active(self, field: str = "member_id") -> None:
        self.require_exists(field)
        if not self.active:
            raise PreconditionFailed(f"member {self.id} has left the Party roll", field=field)

    def when_MemberRegistered(self, event: MemberRegistered) -> None:
        self.name = event.name
        self.branch_id = event.branch_id
        self.roles = event.roles
        self.joined_party_on = event.joined_party_on
        self.active = True

    def when_MemberTransferred(self, event: MemberTransferred) -> None:
        self.branch_id = event.to_branch_id

    def when_MemberLeft(self, event: MemberLeft) -> None:
        self.active = False
