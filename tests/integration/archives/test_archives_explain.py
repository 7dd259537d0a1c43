"""Archives shows scoring's `Explain` in the member's archive: `ExplainEvaluation` gives every
contributing event with what it gave and the rule that applied, to whoever may read the
member's archive, asking a real scoring worker over gRPC; scoring down is UNAVAILABLE."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from archives_kit import ArchivesService, describe, failure, fresh, scores, this_month
from broker_matrix import new_broker
from integration.scoring.scoring_kit import ScoringProcess

from kernel.broker import EmbeddedBroker
from kernel.grpc.client import field_of
from kernel.settings import Settings
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import command_pb2
from vanguard.scoring.v1 import scoring_pb2

SEEN_S = 30.0  # scoring sees an archives command within this (replay start included)


@pytest.fixture(scope="module")
def explain_broker() -> Iterator[EmbeddedBroker]:
    """Scoring replays every archives event on its broker: this module gets its own."""
    with new_broker() as running:
        yield running


@pytest.fixture
def scoring(explain_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[ScoringProcess]:
    app_id = f"scoring-{uuid.uuid4().hex[:6]}"
    process = ScoringProcess(explain_broker.bootstrap_servers, app_id, tmp_path / "scoring.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def archives(
    settings: Settings, explain_broker: EmbeddedBroker, scoring: ScoringProcess, unique: str
) -> AsyncIterator[ArchivesService]:
    """Archives on the same broker, asking the scoring worker above."""
    ours = settings.model_copy(
        update={
            "bootstrap_servers": explain_broker.bootstrap_servers,
            "archives_port": 0,
            "scoring_port": scoring.port,
        }
    )
    service = await ArchivesService.start(ours, school=f"school-{unique}")
    try:
        await service.found_school([("b1", "语文支部"), ("b2", "数学支部")])
        await service.register("m1", "王芳", "b1")
        await service.register("m2", "李雷", "b1")
        yield service
    finally:
        await service.stop()


def explain_request(archives: ArchivesService, member: str = "m1") -> pb.ExplainEvaluationRequest:
    return pb.ExplainEvaluationRequest(
        school_id=archives.school, member_id=member, period=this_month()
    )


async def assess_self(archives: ArchivesService, leads: pb.LeadScores) -> None:
    """m1's self-assessment for this month, visible in the archive when this returns."""
    await archives.call(
        "SubmitAssessment",
        pb.SubmitAssessmentRequest(
            school_id=archives.school,
            member_id="m1",
            period=this_month(),
            tier="self",
            scores=leads,
            options=command_pb2.CommandOptions(wait_visible=True),
        ),
        archives.member("m1"),
    )


async def explained(archives: ArchivesService, done: int) -> scoring_pb2.Explanation:
    """The explanation once `done` events count in it (scoring consumes asynchronously)."""
    deadline = time.monotonic() + SEEN_S
    while True:
        try:
            reply: scoring_pb2.Explanation = await archives.call(
                "ExplainEvaluation", explain_request(archives), archives.committee
            )
            if reply.evaluation.inputs >= done:
                return reply
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.NOT_FOUND:
                raise
        assert time.monotonic() < deadline, "scoring never counted the archive's events"
        await asyncio.sleep(0.2)


async def test_the_archive_explains_the_evaluation_event_by_event(
    archives: ArchivesService,
) -> None:
    record_id = fresh("r")
    await archives.record("m1", record_id=record_id, channel="branch_investigation")
    await archives.verify(record_id, 4.0)
    await assess_self(archives, scores(80, 90, 70, 80))

    explanation = await explained(archives, done=2)
    evaluation = explanation.evaluation
    assert (evaluation.member_id, evaluation.period) == ("m1", this_month())
    assert evaluation.provisional and list(evaluation.missing) == ["peer_public", "committee"]
    assert evaluation.self_assessment == 80.0
    lines = {line.part: line for line in explanation.contributions}
    assert set(lines) == {"objective.records.duty_performance", "tier.self"}
    record = lines["objective.records.duty_performance"]
    assert record.event_type == "RecordVerified" and record.counted
    assert "4 awarded" in record.rule and "branch_investigation" in record.rule
    assert record.amount == evaluation.objective_by_source["records.duty_performance"]
    assert lines["tier.self"].amount == 80.0 and "mean of 4 leads" in lines["tier.self"].rule


async def test_branch_bands_rank_the_objective_points_scoring_published(
    archives: ArchivesService,
) -> None:
    """m1 has more raw points, m2 more objective points: 30 points of study self-declared are
    capped at the month's 10; 12 points of duty from a public report weigh 1.2 (14.4). The
    month's bands rank what scoring published; without a period (scoring publishes per period)
    they rank verified points, and each summary says which."""
    r1, r2 = fresh("r"), fresh("r")
    await archives.record(
        "m1", record_id=r1, category="study_training", channel="self_declared", points=30
    )
    await archives.verify(r1, 30)
    await archives.record(
        "m2", record_id=r2, category="duty_performance", channel="public_report", points=12
    )
    await archives.verify(r2, 12)

    def bands(summary: pb.Summary) -> list[tuple[str, int, float, float]]:
        return [(b.label, b.members, b.min_points, b.max_points) for b in summary.bands]

    month = pb.BranchSummaryRequest(school_id=archives.school, branch_id="b1", period=this_month())
    ranked = [("top quarter", 1, 14.4, 14.4), ("second quarter", 1, 10.0, 10.0)]
    deadline = time.monotonic() + SEEN_S
    while (summary := await archives.call("BranchSummary", month, archives.committee)) and (
        summary.bands_by,
        bands(summary),
    ) != ("objective_points", ranked):
        assert time.monotonic() < deadline, f"bands {bands(summary)} by {summary.bands_by!r}"
        await asyncio.sleep(0.2)
    assert summary.verified_points == 42  # the raw total is still shown as such

    whole = await archives.call(
        "BranchSummary",
        pb.BranchSummaryRequest(school_id=archives.school, branch_id="b1"),
        archives.committee,
    )
    assert whole.bands_by == "verified_points"
    assert bands(whole) == [("top quarter", 1, 30.0, 30.0), ("second quarter", 1, 12.0, 12.0)]


async def test_who_may_see_the_explanation_is_who_may_read_the_archive(
    archives: ArchivesService,
) -> None:
    await assess_self(archives, scores(75, 75, 75, 75))
    await explained(archives, done=1)
    request = explain_request(archives)
    allowed = [archives.member("m1"), archives.secretary("b1"), archives.committee]
    for caller in allowed:
        reply = await archives.call("ExplainEvaluation", request, caller)
        assert reply.evaluation.self_assessment == 75.0, caller.name
    denied = [
        archives.member("m2"),
        archives.secretary("b2"),
        archives.caller("another school", archives.committee.role, "c9", school="elsewhere"),
    ]
    for caller in denied:
        error = await failure(archives.call("ExplainEvaluation", request, caller))
        assert error.code() is grpc.StatusCode.PERMISSION_DENIED, (caller.name, describe(error))

    unknown = await failure(
        archives.call("ExplainEvaluation", explain_request(archives, "nobody"), archives.committee)
    )
    assert unknown.code() is grpc.StatusCode.NOT_FOUND, describe(unknown)
    bad = pb.ExplainEvaluationRequest(school_id=archives.school, member_id="m1", period="10月")
    malformed = await failure(archives.call("ExplainEvaluation", bad, archives.committee))
    assert malformed.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(malformed) == "period"


async def test_scoring_down_is_unavailable_with_a_clear_message(
    archives: ArchivesService, scoring: ScoringProcess
) -> None:
    scoring.stop()
    started = time.monotonic()
    error = await failure(
        archives.call("ExplainEvaluation", explain_request(archives), archives.committee)
    )
    assert error.code() is grpc.StatusCode.UNAVAILABLE, describe(error)
    assert "scoring" in (error.details() or "")
    assert time.monotonic() - started < 5.0  # the deadline bounds the wait
