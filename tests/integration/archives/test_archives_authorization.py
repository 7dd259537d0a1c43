"""Who may do what (docs/design.md#security), over one running service: every role × every
command and query × own or other branch × own or other school is either allowed or
PERMISSION_DENIED.

The cast, for a target member of branch A in school S:

    public               a parent, with a token for the school
    member-self          the target member
    member-colleague     another member of branch A
    member-other-branch  a member of branch B
    secretary-own        the secretary of branch A
    secretary-other      the secretary of branch B
    committee            the school's Party committee
    service              another Vanguard service

Each of them also calls with a token for another school that has the same branch and member
ids: nobody crosses schools. A refused call writes nothing (the store's head does not move);
an allowed call is made on fresh state, so it succeeds on its own merits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from archives_kit import (
    VISIBLE,
    ArchivesService,
    Caller,
    describe,
    fresh,
    scores,
    this_month,
    today,
)

from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as pb

BRANCH, OTHER_BRANCH = "b-a", "b-b"
COLLEAGUE, OTHER_MEMBER = "m-colleague", "m-other"
CAST = (
    "public",
    "member-self",
    "member-colleague",
    "member-other-branch",
    "secretary-own",
    "secretary-other",
    "committee",
    "service",
)
READERS = frozenset({"member-self", "secretary-own", "committee", "service"})
LEADERS = frozenset({"secretary-own", "committee"})
COMMITTEE = frozenset({"committee"})


@dataclass(frozen=True)
class Case:
    """One call ready to be made: the method, its request, the school it acts in and the
    member it concerns (whom `member-self` is)."""

    method: str
    request: Any
    school: str
    target: str
    streaming: bool = False


@dataclass(frozen=True)
class Operation:
    name: str
    allowed: frozenset[str]
    prepare: Callable[[Scene], Awaitable[Case]]


APPEALED_MONTH = "2024-06"  # long past; ClosePeriod cases close months of 2000


class Scene:
    """School S and its twin, and fresh state for every call that should be allowed."""

    def __init__(self, service: ArchivesService) -> None:
        self.service = service
        self.school = service.school
        self.twin = f"{service.school}-twin"

    async def set_up(self) -> None:
        for school in (self.school, self.twin):
            committee = self.caller("committee", school, target="")
            await self.call(
                "RegisterSchool",
                pb.RegisterSchoolRequest(school_id=school, name="第一中学", options=VISIBLE),
                committee,
            )
            for branch in (BRANCH, OTHER_BRANCH):
                await self.call(
                    "EstablishBranch",
                    pb.EstablishBranchRequest(
                        school_id=school, branch_id=branch, name=f"支部 {branch}", options=VISIBLE
                    ),
                    committee,
                )
            # Evaluations are appealed once published: a month long past, closed.
            await self.call(
                "ClosePeriod",
                pb.ClosePeriodRequest(school_id=school, period=APPEALED_MONTH, options=VISIBLE),
                committee,
            )
            for member, branch in ((COLLEAGUE, BRANCH), (OTHER_MEMBER, OTHER_BRANCH)):
                await self.call(
                    "RegisterMember", self.registration(school, member, branch), committee
                )

    def caller(self, name: str, school: str, target: str) -> Caller:
        service, role = self.service, Role
        match name:
            case "public":
                return service.caller(name, role.PUBLIC, "parent-zhang", school=school)
            case "member-self":  # a member of branch A when the call concerns no member
                return service.caller(
                    name, role.MEMBER, target or "m-self", branch=BRANCH, school=school
                )
            case "member-colleague":
                return service.caller(name, role.MEMBER, COLLEAGUE, branch=BRANCH, school=school)
            case "member-other-branch":
                return service.caller(
                    name, role.MEMBER, OTHER_MEMBER, branch=OTHER_BRANCH, school=school
                )
            case "secretary-own":
                return service.caller(name, role.SECRETARY, "sec-a", branch=BRANCH, school=school)
            case "secretary-other":
                return service.caller(
                    name, role.SECRETARY, "sec-b", branch=OTHER_BRANCH, school=school
                )
            case "committee":
                return service.caller(name, role.COMMITTEE, "committee-1", school=school)
            case "service":
                return service.caller(name, role.SERVICE, "pledges", school=school)
        raise ValueError(name)

    async def call(self, method: str, request: Any, caller: Caller) -> Any:
        return await self.service.call(method, request, caller)

    @property
    def committee(self) -> Caller:
        return self.caller("committee", self.school, target="")

    @staticmethod
    def registration(school: str, member: str, branch: str) -> pb.RegisterMemberRequest:
        return pb.RegisterMemberRequest(
            school_id=school,
            member_id=member,
            name=f"党员 {member}",
            branch_id=branch,
            roles=["teacher"],
            joined_party_on="2010-07-01",
            options=VISIBLE,
        )

    # -- fresh state, made by the committee ------------------------------------------------

    async def member(self) -> str:
        member = fresh("m")
        await self.call(
            "RegisterMember", self.registration(self.school, member, BRANCH), self.committee
        )
        return member

    def performance(self, member: str, channel: str) -> pb.RecordPerformanceRequest:
        return pb.RecordPerformanceRequest(
            school_id=self.school,
            member_id=member,
            category="activities",
            channel=channel,
            occurred_on=today().isoformat(),
            description="主题党日活动",
            claimed_points=2,
            options=VISIBLE,
        )

    async def record(self, member: str, *, verified: bool = False) -> str:
        reply = await self.call(
            "RecordPerformance", self.performance(member, "branch_investigation"), self.committee
        )
        if verified:
            await self.call(
                "VerifyRecord",
                pb.VerifyRecordRequest(
                    school_id=self.school, record_id=reply.id, awarded_points=2, options=VISIBLE
                ),
                self.committee,
            )
        return str(reply.id)

    async def post(self) -> str:
        reply = await self.call(
            "EstablishModelPost",
            pb.EstablishModelPostRequest(
                school_id=self.school, name="党员职工示范岗", kind="staff", options=VISIBLE
            ),
            self.committee,
        )
        return str(reply.id)

    async def holder(self) -> tuple[str, str]:
        post, member = await self.post(), await self.member()
        await self.call(
            "AssignMemberToPost",
            pb.AssignMemberToPostRequest(
                school_id=self.school,
                post_id=post,
                member_id=member,
                assigned_on=today().isoformat(),
                options=VISIBLE,
            ),
            self.committee,
        )
        return post, member

    async def appeal(self, member: str) -> str:
        reply = await self.call(
            "FileAppeal",
            pb.FileAppealRequest(
                school_id=self.school,
                member_id=member,
                subject="evaluation",
                subject_id=APPEALED_MONTH,
                reason="申请复核",
                options=VISIBLE,
            ),
            self.caller("member-self", self.school, member),
        )
        return str(reply.id)


def on(scene: Scene, method: str, target: str = "", **fields: Any) -> Case:
    request_type = getattr(pb, f"{method}Request")
    return Case(method, request_type(school_id=scene.school, **fields), scene.school, target)


def assessment(tier: str) -> Callable[[Scene], Awaitable[Case]]:
    async def prepare(scene: Scene) -> Case:
        member = await scene.member()
        return on(
            scene,
            "SubmitAssessment",
            member,
            member_id=member,
            period=this_month(),
            tier=tier,
            scores=scores(90, 91, 92, 93),
        )

    return prepare


async def register_school(scene: Scene) -> Case:
    school = fresh(f"{scene.school}-new")
    return Case(
        "RegisterSchool",
        pb.RegisterSchoolRequest(school_id=school, name="新校区"),
        school,
        target="",
    )


async def establish_branch(scene: Scene) -> Case:
    return on(scene, "EstablishBranch", branch_id=fresh("b"), name="新支部")


async def close_period(scene: Scene) -> Case:
    n = int(fresh("").strip("-"))  # a month long past, a different one each time
    return on(scene, "ClosePeriod", period=f"{2000 + n // 12:04d}-{n % 12 + 1:02d}")


async def register_member(scene: Scene) -> Case:
    member = fresh("m")
    request = scene.registration(scene.school, member, BRANCH)
    return Case("RegisterMember", request, scene.school, member)


async def transfer_member(scene: Scene) -> Case:
    member = await scene.member()
    return on(scene, "TransferMember", member, member_id=member, to_branch_id=OTHER_BRANCH)


async def member_left(scene: Scene) -> Case:
    member = await scene.member()
    return on(scene, "RecordMemberLeft", member, member_id=member, left_on=today().isoformat())


def record_performance(channel: str) -> Callable[[Scene], Awaitable[Case]]:
    async def prepare(scene: Scene) -> Case:
        member = await scene.member()
        return Case("RecordPerformance", scene.performance(member, channel), scene.school, member)

    return prepare


def on_record(method: str, *, verified: bool, **fields: Any) -> Callable[[Scene], Awaitable[Case]]:
    async def prepare(scene: Scene) -> Case:
        member = await scene.member()
        record = await scene.record(member, verified=verified)
        return on(scene, method, member, record_id=record, **fields)

    return prepare


async def establish_post(scene: Scene) -> Case:
    return on(scene, "EstablishModelPost", name="党员班主任示范岗", kind="head_teacher")


async def assign_to_post(scene: Scene) -> Case:
    post, member = await scene.post(), await scene.member()
    return on(
        scene,
        "AssignMemberToPost",
        member,
        post_id=post,
        member_id=member,
        assigned_on=today().isoformat(),
    )


async def review_post(scene: Scene) -> Case:
    post, member = await scene.holder()
    return on(
        scene,
        "ReviewModelPost",
        member,
        post_id=post,
        member_id=member,
        period=this_month(),
        score=88,
    )


async def release_from_post(scene: Scene) -> Case:
    post, member = await scene.holder()
    return on(
        scene,
        "ReleaseMemberFromPost",
        member,
        post_id=post,
        member_id=member,
        released_on=today().isoformat(),
    )


async def file_appeal(scene: Scene) -> Case:
    member = await scene.member()
    return on(
        scene,
        "FileAppeal",
        member,
        member_id=member,
        subject="evaluation",
        subject_id=APPEALED_MONTH,
        reason="互评人数不足",
    )


async def resolve_appeal(scene: Scene) -> Case:
    member = await scene.member()
    appeal = await scene.appeal(member)
    return on(
        scene,
        "ResolveAppeal",
        member,
        appeal_id=appeal,
        outcome="dismissed",
        reason="经核查维持原评",
    )


def about_member(method: str) -> Callable[[Scene], Awaitable[Case]]:
    async def prepare(scene: Scene) -> Case:
        member = await scene.member()
        return on(scene, method, member, member_id=member)

    return prepare


async def watch_member(scene: Scene) -> Case:
    member = await scene.member()
    request = pb.WatchArchiveRequest(school_id=scene.school, member_id=member)
    return Case("WatchArchive", request, scene.school, member, streaming=True)


async def watch_branch(scene: Scene) -> Case:
    member = await scene.member()
    request = pb.WatchArchiveRequest(school_id=scene.school, branch_id=BRANCH)
    return Case("WatchArchive", request, scene.school, member, streaming=True)


async def list_members(scene: Scene) -> Case:
    return on(scene, "ListMembers", branch_id=BRANCH)


async def branch_summary(scene: Scene) -> Case:
    return on(scene, "BranchSummary", branch_id=BRANCH)


async def school_summary(scene: Scene) -> Case:
    return on(scene, "SchoolSummary")


OPERATIONS = (
    Operation("RegisterSchool", COMMITTEE, register_school),
    Operation("EstablishBranch", COMMITTEE, establish_branch),
    Operation("ClosePeriod", COMMITTEE, close_period),
    Operation("RegisterMember", LEADERS, register_member),
    Operation("TransferMember", COMMITTEE, transfer_member),
    Operation("RecordMemberLeft", COMMITTEE, member_left),
    Operation(
        "RecordPerformance self_declared",
        LEADERS | {"member-self"},
        record_performance("self_declared"),
    ),
    Operation("RecordPerformance public_report", LEADERS, record_performance("public_report")),
    Operation(
        "RecordPerformance branch_investigation",
        LEADERS,
        record_performance("branch_investigation"),
    ),
    Operation("VerifyRecord", LEADERS, on_record("VerifyRecord", verified=False, awarded_points=2)),
    Operation("RejectRecord", LEADERS, on_record("RejectRecord", verified=False, reason="不属实")),
    Operation(
        "CorrectRecord",
        LEADERS,
        on_record("CorrectRecord", verified=True, awarded_points=1, reason="更正"),
    ),
    Operation("EstablishModelPost", COMMITTEE, establish_post),
    Operation("AssignMemberToPost", COMMITTEE, assign_to_post),
    Operation("ReviewModelPost", COMMITTEE, review_post),
    Operation("ReleaseMemberFromPost", COMMITTEE, release_from_post),
    Operation("SubmitAssessment self", frozenset({"member-self"}), assessment("self")),
    Operation(
        "SubmitAssessment peer",
        frozenset({"member-colleague", "secretary-own"}),
        assessment("peer"),
    ),
    Operation("SubmitAssessment public", frozenset({"public"}), assessment("public")),
    Operation("SubmitAssessment committee", COMMITTEE, assessment("committee")),
    Operation("FileAppeal", frozenset({"member-self"}), file_appeal),
    Operation("ResolveAppeal", COMMITTEE, resolve_appeal),
    Operation("GetMember", READERS, about_member("GetMember")),
    Operation("GetArchive", READERS, about_member("GetArchive")),
    Operation("ExportArchive", READERS, about_member("ExportArchive")),
    Operation("WatchArchive member", READERS, watch_member),
    Operation("WatchArchive branch", LEADERS, watch_branch),
    Operation("ListMembers branch", LEADERS | {"service"}, list_members),
    Operation("BranchSummary", LEADERS, branch_summary),
    Operation("SchoolSummary", COMMITTEE, school_summary),
)


async def outcome(scene: Scene, case: Case, caller: Caller) -> str:
    """ "allowed", "PERMISSION_DENIED", or what else happened (which fails the matrix)."""
    try:
        if case.streaming:
            await watch_once(scene, case, caller)
        else:
            await scene.call(case.method, case.request, caller)
    except grpc.aio.AioRpcError as error:
        return (
            "PERMISSION_DENIED"
            if error.code() == grpc.StatusCode.PERMISSION_DENIED
            else (describe(error))
        )
    return "allowed"


async def watch_once(scene: Scene, case: Case, caller: Caller) -> None:
    """A watch is allowed when it streams the next change of the member it concerns; a
    refused one ends with its status instead of a change."""
    call = scene.service.stub.WatchArchive(case.request, metadata=caller.metadata, timeout=20)
    try:
        await call.initial_metadata()
        await scene.record(case.target)  # the change an allowed watch must stream
        change = await asyncio.wait_for(call.read(), 10)
        if not isinstance(change, pb.ArchiveChange) or change.member_id != case.target:
            raise AssertionError(f"the watch streamed {change!r}")
    finally:
        call.cancel()


async def test_every_role_is_allowed_exactly_what_the_design_grants(
    archives: ArchivesService,
) -> None:
    scene = Scene(archives)
    await scene.set_up()
    wrong: list[str] = []

    # Refusals first, on one prepared case per operation: none of them may write anything.
    for operation in OPERATIONS:
        case = await operation.prepare(scene)
        head = await archives.head()
        for school, twin in ((case.school, False), (f"{case.school}-twin", True)):
            for name in CAST:
                if name in operation.allowed and not twin:
                    continue
                got = await outcome(scene, case, scene.caller(name, school, case.target))
                if got != "PERMISSION_DENIED":
                    where = "other school" if twin else "own school"
                    wrong.append(f"{operation.name} by {name} ({where}): {got}, not refused")
        # (A watch writes nothing; the test itself records a change for each one.)
        if not case.streaming and await archives.head() != head:
            wrong.append(f"{operation.name}: refused calls moved the store head")

    # Then every allowed cell, each on fresh state of its own.
    for operation in OPERATIONS:
        for name in sorted(operation.allowed):
            case = await operation.prepare(scene)
            got = await outcome(scene, case, scene.caller(name, case.school, case.target))
            if got != "allowed":
                wrong.append(f"{operation.name} by {name} (own school): {got}, not allowed")

    assert not wrong, "authorization matrix:\n" + "\n".join(wrong)


async def test_nobody_rates_themself_in_the_peer_or_public_tier_whatever_the_channel(
    archives: ArchivesService,
) -> None:
    """A ballot about oneself is refused in either sealed tier: as a colleague (a member's or a
    secretary's token) or through the public channel (a school's public token whose subject is
    the ratee). Each refusal writes nothing; the same public ballot from anyone else counts."""
    scene = Scene(archives)
    await scene.set_up()
    member = await scene.member()

    def ballot(tier: str) -> Case:
        return on(
            scene,
            "SubmitAssessment",
            member,
            member_id=member,
            period=this_month(),
            tier=tier,
            scores=scores(90, 91, 92, 93),
            options=VISIBLE,
        )

    selves = (
        ("peer", archives.caller("as a colleague", Role.MEMBER, member, branch=BRANCH)),
        ("peer", archives.caller("as the secretary", Role.SECRETARY, member, branch=BRANCH)),
        ("public", archives.caller("through the public channel", Role.PUBLIC, member)),
    )
    wrong: list[str] = []
    for tier, caller in selves:
        head = await archives.head()
        got = await outcome(scene, ballot(tier), caller)
        if got != "PERMISSION_DENIED":
            wrong.append(f"{tier} ballot on themself {caller.name}: {got}")
        if await archives.head() != head:
            wrong.append(f"{tier} ballot on themself {caller.name}: the store head moved")
    assert not wrong, "\n".join(wrong)
    assert not (await archives.archive(member)).assessments  # not one ballot about them

    parent = archives.caller("a parent", Role.PUBLIC, "parent-zhang")
    assert await outcome(scene, ballot("public"), parent) == "allowed"
    [entry] = (await archives.archive(member)).assessments
    assert entry.public_reviews == 1
