"""Who reads a member's evaluation through scoring's gRPC API: the member, a secretary of the
member's branch (learnt from MemberRegistered, then MemberTransferred), the committee and
services of the school; nobody else, and nobody across schools."""

from __future__ import annotations

import asyncio
import time

import grpc
from scoring_kit import Evaluations, Log, ScoringProcess
from unit.scoring.story import Story

from kernel.envelope import Role
from kernel.grpc.client import Metadata, bearer
from kernel.settings import DEV_TOKEN_SECRET
from kernel.tokens import issue_token
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc

OK, DENIED = grpc.StatusCode.OK, grpc.StatusCode.PERMISSION_DENIED


def token(role: Role, school: str, subject: str, branch: str | None = None) -> Metadata:
    return bearer(
        issue_token(
            DEV_TOKEN_SECRET, subject=subject, role=role, school=school, branch=branch, ttl_s=600
        )
    )


async def outcome(
    stub: scoring_pb2_grpc.ScoringServiceStub,
    method: str,
    request: pb.EvaluationRequest,
    caller: Metadata,
) -> grpc.StatusCode:
    try:
        await getattr(stub, method)(request, metadata=caller, timeout=5)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return OK


async def test_the_reading_matrix_follows_the_members_branch(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    log.publish([story.register("m1", "b1"), story.assess("m1", "self", 70)])
    evaluations.wait_for(lambda _: evaluations.latest(school, "m1", "2026-10") is not None)
    callers = {
        "the member": (token(Role.MEMBER, school, "m1", "b1"), OK),
        "a colleague": (token(Role.MEMBER, school, "m2", "b1"), DENIED),
        "secretary of b1": (token(Role.SECRETARY, school, "s1", "b1"), OK),
        "secretary of b2": (token(Role.SECRETARY, school, "s2", "b2"), DENIED),
        "the committee": (token(Role.COMMITTEE, school, "c1"), OK),
        "a service": (token(Role.SERVICE, school, "archives"), OK),
        "the public": (token(Role.PUBLIC, school, "p1"), DENIED),
        "another school's committee": (token(Role.COMMITTEE, "elsewhere", "c9"), DENIED),
        "another school's secretary of b1": (
            token(Role.SECRETARY, "elsewhere", "s9", "b1"),
            DENIED,
        ),
    }
    request = pb.EvaluationRequest(school_id=school, member_id="m1", period="2026-10")
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        for method in ("GetEvaluation", "Explain"):
            seen = {
                name: await outcome(stub, method, request, caller)
                for name, (caller, _) in callers.items()
            }
            assert seen == {name: expected for name, (_, expected) in callers.items()}, method

        log.publish([story.transfer("m1", "b1", "b2")])
        b1, b2 = callers["secretary of b1"][0], callers["secretary of b2"][0]
        deadline = time.monotonic() + 20
        while await outcome(stub, "Explain", request, b2) is not OK:
            assert time.monotonic() < deadline, "the transfer never reached scoring"
            await asyncio.sleep(0.1)
        assert await outcome(stub, "GetEvaluation", request, b1) is DENIED
        assert await outcome(stub, "GetEvaluation", request, b2) is OK


async def test_a_secretary_reads_no_member_whose_branch_is_unknown(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    log.publish([story.assess("m3", "self", 60)])  # no MemberRegistered seen for m3
    evaluations.wait_for(lambda _: evaluations.latest(school, "m3", "2026-10") is not None)
    request = pb.EvaluationRequest(school_id=school, member_id="m3", period="2026-10")
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        secretary = token(Role.SECRETARY, school, "s1", "b1")
        assert await outcome(stub, "GetEvaluation", request, secretary) is DENIED
        assert (
            await outcome(stub, "GetEvaluation", request, token(Role.COMMITTEE, school, "c")) is OK
        )
