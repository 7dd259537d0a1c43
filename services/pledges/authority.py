"""Who may do what to a pledge (docs/design.md#security): the member their own pledges, a secretary
their branch's, the committee every pledge of the school. Schools are checked before this:
a pledge is only ever loaded from the caller's school."""

from __future__ import annotations

from typing import Protocol

from kernel.auth import Principal, require_branch, require_role
from kernel.envelope import Role
from kernel.errors import PermissionDenied

BRANCH_LEADERS = (Role.SECRETARY, Role.COMMITTEE)


class OfMember(Protocol):
    """Anything that belongs to a member of a branch: a pledge, a feedback, a document."""

    @property
    def member_id(self) -> str: ...

    @property
    def branch_id(self) -> str: ...


def as_owner(principal: Principal, subject: OfMember) -> None:
    """Only the member the pledge is of."""
    require_role(principal, Role.MEMBER)
    if principal.subject != subject.member_id:
        raise PermissionDenied("only the member who made this pledge may do this")


def as_branch_leader(principal: Principal, subject: OfMember) -> None:
    """The secretary of the pledge's branch or the committee. (The aggregate refuses a
    member who would check their own pledge.)"""
    require_role(principal, *BRANCH_LEADERS)
    require_branch(principal, subject.branch_id)


def as_reader(principal: Principal, subject: OfMember) -> None:
    """Members read their own, secretaries their branch, the committee and services all."""
    if principal.role in (Role.COMMITTEE, Role.SERVICE):
        return
    if principal.role is Role.SECRETARY:
        require_branch(principal, subject.branch_id)
        return
    if principal.role is Role.MEMBER and principal.subject == subject.member_id:
        return
    raise PermissionDenied("this pledge is not yours to read")
