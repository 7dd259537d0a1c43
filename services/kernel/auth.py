"""Who is calling, carried through a call in context variables, and the checks every service
makes before it acts (docs/design.md#security: nobody crosses schools; secretaries own
their branch).

The gRPC interceptors bind the principal and correlation id; handlers only read them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from kernel.envelope import Actor, CommandContext, Role
from kernel.errors import PermissionDenied, quoted


@dataclass(frozen=True)
class Principal:
    """The verified caller: whom a token names, in which role, school and branch."""

    subject: str
    role: Role
    school_id: str | None
    branch_id: str | None = None

    @classmethod
    def anonymous(cls) -> Principal:
        """A caller without a token: may only use public methods, belongs to no school."""
        return cls(subject="anonymous", role=Role.PUBLIC, school_id=None)

    @cached_property
    def actor(self) -> Actor:
        """Built once: verified principals are kept with their token and act on every call."""
        return Actor(id=self.subject, role=self.role)


_principal: ContextVar[Principal | None] = ContextVar("vanguard_principal", default=None)
_correlation_id: ContextVar[str | None] = ContextVar("vanguard_correlation_id", default=None)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def current_principal() -> Principal:
    return _principal.get() or Principal.anonymous()


def current_correlation_id() -> str:
    """The id of the work in progress; work started outside a call gets a fresh one, kept."""
    value = _correlation_id.get()
    if value is None:
        value = new_correlation_id()
        _correlation_id.set(value)
    return value


def bind_call(principal: Principal | None = None, correlation_id: str | None = None) -> None:
    """Set the caller for the rest of this context. gRPC runs each call in its own task, so
    its context is private to the call and needs no reset."""
    if principal is not None:
        _principal.set(principal)
    if correlation_id is not None:
        _correlation_id.set(correlation_id)


@contextmanager
def acting_as(principal: Principal, correlation_id: str | None = None) -> Iterator[Principal]:
    """Bind a caller for a block (consumers, scripts, tests), restoring the previous one."""
    principal_token = _principal.set(principal)
    correlation_token = _correlation_id.set(correlation_id or new_correlation_id())
    try:
        yield principal
    finally:
        _correlation_id.reset(correlation_token)
        _principal.reset(principal_token)


def command_context(school_id: str, *, causation_id: str | None = None) -> CommandContext:
    """What a command records about its origin: the current caller and correlation id."""
    return CommandContext(
        school_id=school_id,
        actor=current_principal().actor,
        correlation_id=current_correlation_id(),
        causation_id=causation_id,
    )


# -- authorization -------------------------------------------------------------------------


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise PermissionDenied(f"role {principal.role.value} may not do this (allowed: {allowed})")


def require_school(principal: Principal, school_id: str) -> None:
    """Strict for every role, service included: a token acts only in the school it names."""
    if principal.school_id is None:
        raise PermissionDenied(f"school {quoted(school_id)} needs a token for that school")
    if principal.school_id != school_id:
        raise PermissionDenied(
            f"{principal.subject} belongs to school {principal.school_id!r} "
            f"and may not act in school {quoted(school_id)}"
        )


def require_branch(principal: Principal, branch_id: str) -> None:
    """Committee and service act for any branch of their school, a secretary only for their
    own, nobody else at branch level. Call `require_school` first: branch ids are per school."""
    if principal.role in (Role.COMMITTEE, Role.SERVICE):
        return
    if principal.role is Role.SECRETARY and principal.branch_id == branch_id:
        return
    if principal.role is Role.SECRETARY:
        raise PermissionDenied(
            f"secretary of branch {principal.branch_id!r} "
            f"may not act for branch {quoted(branch_id)}"
        )
    raise PermissionDenied(
        f"role {principal.role.value} may not act for branch {quoted(branch_id)}"
    )


def require_member_reader(
    principal: Principal, school_id: str, member_id: str, branch_id: str | None
) -> None:
    """Who may read what concerns one member (their archive, their evaluation): the member
    themself, a secretary of the member's branch, the committee and services of the school.
    `branch_id` None: the member's branch is not known, so no secretary may read."""
    require_school(principal, school_id)
    if principal.role in (Role.COMMITTEE, Role.SERVICE):
        return
    if principal.role is Role.MEMBER and principal.subject == member_id:
        return
    if principal.role is Role.SECRETARY:
        if branch_id is None:
            raise PermissionDenied(f"the branch of member {quoted(member_id)} is not known here")
        require_branch(principal, branch_id)
        return
    raise PermissionDenied(
        f"{principal.role.value} {principal.subject} may not read {quoted(member_id)}"
    )
