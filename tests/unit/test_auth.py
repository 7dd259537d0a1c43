"""Authorization rules (docs/design.md#security) and the call context commands record."""

from __future__ import annotations

import contextvars

import pytest

from kernel.auth import (
    Principal,
    acting_as,
    command_context,
    current_correlation_id,
    current_principal,
    require_branch,
    require_member_reader,
    require_role,
    require_school,
)
from kernel.envelope import Actor, Role
from kernel.errors import PermissionDenied

COMMITTEE = Principal("c-1", Role.COMMITTEE, "school-1")
SECRETARY = Principal("s-1", Role.SECRETARY, "school-1", "branch-a")
MEMBER = Principal("m-1", Role.MEMBER, "school-1", "branch-a")
SERVICE = Principal("scoring", Role.SERVICE, "school-1")


def test_require_role_admits_listed_roles_and_names_them_when_refusing() -> None:
    require_role(COMMITTEE, Role.COMMITTEE, Role.SERVICE)

    with pytest.raises(PermissionDenied, match=r"role member .*committee, service"):
        require_role(MEMBER, Role.COMMITTEE, Role.SERVICE)


@pytest.mark.parametrize("principal", [COMMITTEE, SECRETARY, MEMBER, SERVICE])
def test_nobody_crosses_schools(principal: Principal) -> None:
    require_school(principal, "school-1")

    with pytest.raises(PermissionDenied, match="school-2"):
        require_school(principal, "school-2")


def test_anonymous_belongs_to_no_school() -> None:
    with pytest.raises(PermissionDenied, match="needs a token"):
        require_school(Principal.anonymous(), "school-1")


@pytest.mark.parametrize("principal", [COMMITTEE, SERVICE])
def test_committee_and_service_act_for_any_branch(principal: Principal) -> None:
    require_branch(principal, "branch-a")
    require_branch(principal, "branch-z")


OTHER_MEMBER = Principal("m-2", Role.MEMBER, "school-1", "branch-a")
OTHER_SECRETARY = Principal("s-2", Role.SECRETARY, "school-1", "branch-b")
ELSEWHERE = Principal("c-9", Role.COMMITTEE, "school-2")
PUBLIC = Principal("p-1", Role.PUBLIC, "school-1")


@pytest.mark.parametrize(
    ("principal", "branch", "allowed"),
    [
        (MEMBER, "branch-a", True),  # their own
        (OTHER_MEMBER, "branch-a", False),  # a colleague's
        (SECRETARY, "branch-a", True),  # their branch
        (OTHER_SECRETARY, "branch-a", False),  # another branch
        (SECRETARY, None, False),  # branch not known: no secretary
        (COMMITTEE, None, True),
        (SERVICE, "branch-a", True),
        (PUBLIC, "branch-a", False),
        (ELSEWHERE, "branch-a", False),  # across schools
    ],
)
def test_who_reads_a_member(principal: Principal, branch: str | None, allowed: bool) -> None:
    if allowed:
        require_member_reader(principal, "school-1", "m-1", branch)
    else:
        with pytest.raises(PermissionDenied):
            require_member_reader(principal, "school-1", "m-1", branch)


def test_secretary_acts_only_for_their_branch() -> None:
    require_branch(SECRETARY, "branch-a")

    with pytest.raises(PermissionDenied, match=r"branch-a.*branch-b"):
        require_branch(SECRETARY, "branch-b")


@pytest.mark.parametrize("principal", [MEMBER, Principal.anonymous()])
def test_members_and_the_public_have_no_branch_authority(principal: Principal) -> None:
    with pytest.raises(PermissionDenied):
        require_branch(principal, "branch-a")


def test_outside_a_call_the_caller_is_anonymous_with_a_stable_correlation_id() -> None:
    def observe() -> tuple[Principal, str, str]:
        return current_principal(), current_correlation_id(), current_correlation_id()

    # A fresh context, so the id this test creates does not leak into later tests.
    principal, first_id, second_id = contextvars.Context().run(observe)

    assert principal == Principal.anonymous()
    assert first_id == second_id


def test_command_context_records_the_caller_and_correlation_id() -> None:
    with acting_as(SECRETARY, correlation_id="corr-42"):
        context = command_context("school-1", causation_id="event-9")

    assert context.actor == Actor(id="s-1", role=Role.SECRETARY)
    assert (context.school_id, context.correlation_id, context.causation_id) == (
        "school-1",
        "corr-42",
        "event-9",
    )
    assert current_principal() == Principal.anonymous()  # acting_as restored the caller
