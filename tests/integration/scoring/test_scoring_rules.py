"""Rules as events, through scoring's gRPC API on the real broker: the committee adopts a
version, every member lists it, the periods from its day are scored under it (and the earlier
ones not), and what would rewrite a result, a malformed document or a taken name is refused,
writing nothing."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from scoring_kit import Evaluations, Log, ScoringProcess
from unit.scoring.story import Story
from unit.scoring.test_rules import DEFAULT

from contracts.topics import RULES
from kernel.envelope import Envelope, Role
from kernel.grpc.client import bearer, field_of
from kernel.settings import DEV_TOKEN_SECRET
from kernel.tokens import issue_token
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc

EFFECTIVE = "2030-01-01"  # a month start far enough ahead to stay in the future
WEIGHTS = {"objective": 0.1, "self_assessment": 0.5, "peer_public": 0.2, "committee": 0.2}


def as_caller(role: Role, school: str, subject: str = "someone") -> tuple[tuple[str, str], ...]:
    token = issue_token(DEV_TOKEN_SECRET, subject=subject, role=role, school=school, ttl_s=600)
    return bearer(token)


def document(version: str, effective_from: str = EFFECTIVE, **changes: Any) -> str:
    rules = {**DEFAULT, "version": version, "effective_from": effective_from, **changes}
    return json.dumps(rules)


def evaluation_of(evaluations: Evaluations, school: str, period: str) -> Envelope:
    evaluations.wait_for(lambda _: evaluations.latest(school, "m1", period) is not None)
    found = evaluations.latest(school, "m1", period)
    assert found is not None
    return found


def adoptions(rules_topic: Evaluations, school: str) -> list[Envelope]:
    return rules_topic.of(school, "RulesAdopted")


async def refusal(call: Any) -> tuple[grpc.StatusCode, str | None, str]:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    return refused.value.code(), field_of(refused.value), refused.value.details() or ""


async def test_an_adopted_version_is_listed_and_scores_the_periods_from_its_day(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    committee = as_caller(Role.COMMITTEE, school, subject="secretary-li")
    member = as_caller(Role.MEMBER, school, subject="m1")
    version = f"{school}-2030.1"
    rules_topic = Evaluations(worker.servers, topic=RULES)
    try:
        async with grpc.aio.insecure_channel(worker.address) as channel:
            stub = scoring_pb2_grpc.ScoringServiceStub(channel)
            request = pb.AdoptRulesRequest(rules_json=document(version, weights=WEIGHTS))
            reply = await stub.AdoptRules(request, metadata=committee, timeout=10)
            assert (reply.already_adopted, reply.rules.version, reply.rules.adopted) == (
                False,
                version,
                True,
            )
            assert (reply.rules.effective_from, reply.rules.adopted_by) == (
                EFFECTIVE,
                "secretary-li",
            )

            code, _, _ = await refusal(stub.ListRules(pb.ListRulesRequest(), timeout=5))
            assert code == grpc.StatusCode.UNAUTHENTICATED  # members only, not the public
            listed = await stub.ListRules(pb.ListRulesRequest(), metadata=member, timeout=5)
            assert [(v.version, v.adopted, v.in_force) for v in listed.versions] == [
                (DEFAULT["version"], False, True),
                (version, True, False),
            ]

            # a self-assessment of 90 in a month under each version
            log.publish(
                [
                    story.assess("m1", "self", 90, period="2029-12"),
                    story.assess("m1", "self", 90, period="2030-01"),
                ]
            )
            before = evaluation_of(evaluations, school, "2029-12")
            after = evaluation_of(evaluations, school, "2030-01")
            assert before.data["rules_version"] == DEFAULT["version"]
            assert after.data["rules_version"] == version

            again = await stub.AdoptRules(request, metadata=committee, timeout=10)
            assert (again.already_adopted, again.rules.event_id) == (True, reply.rules.event_id)

            other = pb.AdoptRulesRequest(rules_json=document(version, min_reviewers=4))
            code, field, _ = await refusal(stub.AdoptRules(other, metadata=committee, timeout=10))
            assert (code, field) == (grpc.StatusCode.ALREADY_EXISTS, "rules_json.version")

        rules_topic.wait_for(lambda _: len(adoptions(rules_topic, school)) == 1)
        rules_topic.settle(1.0)
        [adopted] = adoptions(rules_topic, school)  # once, however often it was asked
        assert str(adopted.event_id) == reply.rules.event_id
        assert (adopted.stream_id, adopted.data["rules_version"]) == (f"{school}/rules", version)
    finally:
        rules_topic.close()


async def test_what_would_rewrite_a_result_or_is_malformed_is_refused_writing_nothing(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    committee = as_caller(Role.COMMITTEE, school)
    # 2031-03 scored; 2031-06 closed (a roster of one, with no activity)
    log.publish(
        [
            story.register("m1", "b1"),
            story.assess("m1", "self", 80, period="2031-03"),
            story.close("2031-06", "month"),
        ]
    )
    evaluation_of(evaluations, school, "2031-03")
    evaluations.wait_for(
        lambda seen: any(
            e.data.get("period") == "2031-06" for e in evaluations.of(school, "PublicationIssued")
        )
    )
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)

        async def adopt(rules_json: str, metadata: Any = committee) -> Any:
            request = pb.AdoptRulesRequest(rules_json=rules_json)
            return await refusal(stub.AdoptRules(request, metadata=metadata, timeout=10))

        bad_weights = {**WEIGHTS, "objective": 0.5}
        assert (await adopt(document("w", weights=bad_weights)))[:2] == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "rules_json.weights",
        )
        assert (await adopt(document("mid-month", "2030-01-15")))[:2] == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "rules_json.effective_from",
        )
        code, field, details = await adopt(document("past", "2020-01-01"))
        assert (code, field) == (grpc.StatusCode.FAILED_PRECONDITION, "rules_json.effective_from")
        assert "not after today" in details

        code, field, details = await adopt(document("scored", "2031-02-01"))
        assert (code, field) == (grpc.StatusCode.FAILED_PRECONDITION, "rules_json.effective_from")
        assert "period 2031-03" in details
        code, field, details = await adopt(document("closed", "2031-06-01"))
        assert (code, field) == (grpc.StatusCode.FAILED_PRECONDITION, "rules_json.effective_from")
        assert "period 2031-06" in details

        as_member = as_caller(Role.MEMBER, school, subject="m1")
        code, _, _ = await adopt(document("by-a-member", "2031-07-01"), as_member)
        assert code == grpc.StatusCode.PERMISSION_DENIED

        listed = await stub.ListRules(pb.ListRulesRequest(), metadata=committee, timeout=5)
        assert [v.version for v in listed.versions] == [DEFAULT["version"]]
