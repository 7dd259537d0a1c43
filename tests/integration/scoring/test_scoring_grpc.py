"""The gRPC API inside the worker: an evaluation, its explanation, what-if without emitting,
and who may read what."""

from __future__ import annotations

import json

import grpc
import pytest
from scoring_kit import Evaluations, Log, ScoringProcess
from unit.scoring.story import Story
from unit.scoring.test_rules import DEFAULT
from unit.scoring.test_tiers import complete

from kernel.envelope import Role
from kernel.grpc.client import bearer, field_of
from kernel.settings import DEV_TOKEN_SECRET
from kernel.tokens import issue_token
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc


def as_caller(role: Role, school: str, subject: str = "someone") -> tuple[tuple[str, str], ...]:
    token = issue_token(DEV_TOKEN_SECRET, subject=subject, role=role, school=school, ttl_s=600)
    return bearer(token)


async def test_evaluation_explain_and_what_if(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    log.publish(complete(story, "m1", 10, 90))
    evaluations.wait_for(
        lambda _: (
            (e := evaluations.latest(school, "m1", "2026-10")) is not None
            and not e.data["provisional"]
        )
    )
    committee = as_caller(Role.COMMITTEE, school)
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = pb.EvaluationRequest(member_id="m1", period="2026-10")
        evaluation = await stub.GetEvaluation(request, metadata=committee, timeout=5)
        assert (evaluation.composite, evaluation.stars, evaluation.provisional) == (64.0, 1, False)

        explanation = await stub.Explain(request, metadata=committee, timeout=5)
        parts = sorted({line.part for line in explanation.contributions})
        assert parts == [
            "objective.records.duty_performance",
            "tier.committee",
            "tier.peer_public",
            "tier.self",
        ]

        before = len(evaluations.settle(0.5))
        candidate = {
            **DEFAULT,
            "version": "candidate",
            "weights": {
                "objective": 0.1,
                "self_assessment": 0.1,
                "peer_public": 0.2,
                "committee": 0.6,
            },
        }
        reply = await stub.WhatIf(
            pb.WhatIfRequest(period="2026-10", rules_json=json.dumps(candidate)),
            metadata=committee,
            timeout=5,
        )
        assert [
            (m.member_id, m.old_composite, m.old_stars, m.new_composite, m.new_stars)
            for m in reply.members
        ] == [("m1", 64.0, 1, 83.5, 3)]
        assert len(evaluations.settle(1.0)) == before  # what-if emitted nothing


async def test_explain_shows_low_ratings_capped_as_high_ones_are(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    """Six verified ratings of 1 (−12 points) take away no more than the month's cap of 5;
    Explain names every rating and the cap line that gives 7 back."""
    ratings = [story.feedback("m8", "p8", 1) for _ in range(6)]
    log.publish([story.record("m8", "r8"), story.verify("m8", "r8", 12), story.pledge("m8", "p8")])
    log.publish(ratings)
    evaluations.wait_for(
        lambda _: (
            (e := evaluations.latest(school, "m8", "2026-10")) is not None and e.data["inputs"] == 7
        )
    )
    committee = as_caller(Role.COMMITTEE, school)
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = pb.EvaluationRequest(member_id="m8", period="2026-10")
        explanation = await stub.Explain(request, metadata=committee, timeout=5)
    evaluation = explanation.evaluation
    assert evaluation.objective_by_source["feedback"] == -5.0
    assert evaluation.objective_points == 12.0 - 5.0
    feedback = [c for c in explanation.contributions if c.part == "objective.feedback"]
    assert sorted(c.event_id for c in feedback if c.event_id) == sorted(
        str(r.event_id) for r in ratings
    )
    [cap] = [c for c in feedback if not c.event_id]
    assert (cap.event_type, cap.amount) == ("cap", 7.0) and "-5" in cap.rule


async def test_a_member_reads_only_their_own_evaluation(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    log.publish([story.assess("m5", "self", 70)])
    evaluations.wait_for(lambda _: evaluations.latest(school, "m5", "2026-10") is not None)
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = pb.EvaluationRequest(member_id="m5", period="2026-10")
        own = await stub.GetEvaluation(
            request, metadata=as_caller(Role.MEMBER, school, "m5"), timeout=5
        )
        assert own.provisional and own.self_assessment == 70.0
        # (.4×0 + .1×70) / .5 = 14.0: below one star, but provisional: no stars, not flagged
        assert (own.composite, own.HasField("stars"), own.follow_up) == (14.0, False, False)
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await stub.GetEvaluation(
                request, metadata=as_caller(Role.MEMBER, school, "m6"), timeout=5
            )
        assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.aio.AioRpcError) as other_school:
            await stub.GetEvaluation(
                request, metadata=as_caller(Role.COMMITTEE, "elsewhere"), timeout=5
            )
        assert other_school.value.code() is grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            bad_request = pb.EvaluationRequest(member_id="m5", period="October")
            await stub.GetEvaluation(
                bad_request, metadata=as_caller(Role.COMMITTEE, school), timeout=5
            )
        assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


HUGE = "x" * 10_000


async def test_inputs_outside_the_rules_are_invalid_naming_the_field_and_emit_nothing(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    """Periods outside the school calendar, ids outside the id rule, candidate rules with a
    hidden character or a date outside the calendar, and bytes that are no message: each is
    INVALID_ARGUMENT naming the field (or, for bytes, saying so without Python names)."""
    log.publish([story.assess("m7", "self", 80)])
    evaluations.wait_for(lambda _: evaluations.latest(school, "m7", "2026-10") is not None)
    committee = as_caller(Role.COMMITTEE, school)

    def evaluation(member_id: str = "m7", period: str = "2026-10") -> pb.EvaluationRequest:
        return pb.EvaluationRequest(member_id=member_id, period=period)

    def what_if(period: str = "2026-10", **rules: object) -> pb.WhatIfRequest:
        return pb.WhatIfRequest(period=period, rules_json=json.dumps({**DEFAULT, **rules}))

    cases: list[tuple[str, str, object, str]] = [
        *(("GetEvaluation", p, evaluation(period=p), "period") for p in ("0000-01", "9999-Q4")),
        ("Explain", "AY9999", evaluation(period="AY9999"), "period"),
        ("Explain", "10,000-character period", evaluation(period=HUGE), "period"),
        ("GetEvaluation", "member id ending in a newline", evaluation("m7\n"), "member_id"),
        ("Explain", "10,000-character member id", evaluation(HUGE), "member_id"),
        ("WhatIf", "AY9999", what_if("AY9999"), "period"),
        (
            "WhatIf",
            "version with a bidi override",
            what_if(version="v\u202e2"),
            "rules_json.version",
        ),
        ("WhatIf", "version on two lines", what_if(version="v\n2"), "rules_json.version"),
        (
            "WhatIf",
            "rules effective in year 1",
            what_if(effective_from="0001-01-01"),
            "rules_json.effective_from",
        ),
        (
            "WhatIf",
            "a key of the caller's JSON that is no category, shown escaped in the field",
            what_if(record_weights={"\u202e": {}}),
            "rules_json.record_weights.\\u202e.[key]",
        ),
        (
            "WhatIf",
            "rules nested too deeply",
            pb.WhatIfRequest(period="2026-10", rules_json="[" * 100_000),
            "rules_json",
        ),
    ]
    before = len(evaluations.settle(0.5))
    wrong = []
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        for method, what, request, field in cases:
            try:
                await getattr(stub, method)(request, metadata=committee, timeout=5)
                wrong.append(f"{method} {what}: answered")
                continue
            except grpc.aio.AioRpcError as error:
                got = (error.code(), field_of(error), len(error.details() or ""))
            if got[:2] != (grpc.StatusCode.INVALID_ARGUMENT, field) or got[2] > 600:
                wrong.append(f"{method} {what}: {got}")
        for method in ("GetEvaluation", "WhatIf"):
            raw = channel.unary_unary(f"/vanguard.scoring.v1.ScoringService/{method}")
            with pytest.raises(grpc.aio.AioRpcError) as undecodable:
                await raw(b"\xff\xff\xff\xff", metadata=committee, timeout=5)
            details = undecodable.value.details() or ""
            if undecodable.value.code() != grpc.StatusCode.INVALID_ARGUMENT or "Error" in details:
                wrong.append(f"{method} undecodable: {undecodable.value.code()} {details}")
    assert not wrong, "\n".join(wrong)
    assert len(evaluations.settle(1.0)) == before  # refused calls emitted nothing
