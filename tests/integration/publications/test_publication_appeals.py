"""Frozen closes and appeals (申诉), through the suite's public gRPC APIs against the real
(embedded) broker: once a month is closed, a late record, verification or assessment for it is
refused naming the PeriodClosed, and scoring sends nothing more for the month — the
publication stands. A dismissed appeal's id opens nothing; an upheld one lets the committee's
correcting command through for that member's closed month, and scoring issues a
PublicationAmended (new digest, linked to the publication it amends, which stays on the
topic)."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
from processes import Processes
from rounds import publication_envelopes, published_once
from school import LEADS, School, Stubs
from test_publication_standings import PERIOD, assess, complete_month, until

from contracts.digests import verify_payload
from contracts.scoring import PublicationAmended, PublicationIssued, registry
from kernel.envelope import Envelope
from kernel.grpc.client import field_of
from vanguard.archives.v1 import archives_pb2 as apb

pytestmark = pytest.mark.timeout(300)

ROSTER = {"m01": "b1", "m02": "b1"}
ON_TOPIC = ("PublicationIssued", "PublicationAmended", "EvaluationUpdated")


def refused(call: object, *args: object, **fields: object) -> grpc.RpcError:
    try:
        call(*args, **fields)  # type: ignore[operator]
    except grpc.RpcError as error:
        return error
    raise AssertionError("the command was accepted but should have been refused")


def appeal(school: School, member: str, subject: str, subject_id: str, outcome: str) -> str:
    filed = school.command(
        "archives", "FileAppeal", school.member(member), member_id=member, subject=subject,
        subject_id=subject_id, reason="核实材料漏记",
    )  # fmt: skip
    school.command(
        "archives", "ResolveAppeal", school.committee, appeal_id=filed.id, outcome=outcome,
        reason="复核",
    )  # fmt: skip
    return str(filed.id)


def on_topic(processes: Processes, school: School) -> list[Envelope]:
    return publication_envelopes(processes.kafka, school.id, event_types=ON_TOPIC)


def of_period(envelopes: list[Envelope], event_type: str) -> list[Envelope]:
    return [e for e in envelopes if e.event_type == event_type and e.data["period"] == PERIOD.id]


def test_a_closed_month_is_frozen_and_an_upheld_appeal_amends_its_publication(
    processes: Processes, stubs: Stubs
) -> None:
    school = School(f"app-{uuid.uuid4().hex[:8]}", processes.secret, stubs).found(ROSTER)
    complete_month(school, "m01")
    # m02: every tier at 80, a record filed but not yet verified at the close: 48.0, 0 stars.
    school.command(
        "archives", "RecordPerformance", school.member("m02"), member_id="m02", record_id="m02-r",
        category="duty_performance", channel="self_declared", occurred_on=PERIOD.start.isoformat(),
        description="指导青年教师", claimed_points=15.0,
    )  # fmt: skip
    assess(school, school.member("m02"), "m02", "self", 80)
    for n in range(3):
        assess(school, school.public(n + 1), "m02", "public", 80)
    assess(school, school.committee, "m02", "committee", 80)
    school.command("archives", "ClosePeriod", school.committee, period=PERIOD.id)

    [issued] = {e.event_id: e for e in published_once(processes.kafka, school.id)}.values()
    publication = registry.decode(issued)
    assert isinstance(publication, PublicationIssued)
    entries = {e.member_id: e for e in publication.entries}
    assert (entries["m02"].composite, entries["m02"].stars) == (48.0, 0)
    assert [f.member_id for f in publication.follow_up] == ["m02"]
    updates_at_close = len(of_period(on_topic(processes, school), "EvaluationUpdated"))

    # Late commands for the closed month: refused, naming the close.
    late = [
        (
            refused(school.command, "archives", "VerifyRecord", school.secretary("m02"),
                    record_id="m02-r", awarded_points=15.0),
            "record_id",
        ),
        (
            refused(school.command, "archives", "RecordPerformance", school.committee,
                    member_id="m02", category="activities", channel="branch_investigation",
                    occurred_on=PERIOD.start.isoformat(), description="补记", claimed_points=5.0),
            "occurred_on",
        ),
        (
            refused(assess, school, school.committee, "m01", "committee", 10),
            "period",
        ),
    ]  # fmt: skip
    for error, field in late:
        assert (error.code(), field_of(error)) == (grpc.StatusCode.FAILED_PRECONDITION, field)
        assert f"closed by PeriodClosed {publication.closed_by}" in str(error.details())

    # A dismissed appeal opens nothing; an unknown id is not found.
    dismissed = appeal(school, "m02", "evaluation", PERIOD.id, "dismissed")
    for appeal_id, code in ((dismissed, grpc.StatusCode.FAILED_PRECONDITION),
                            ("a-unknown", grpc.StatusCode.NOT_FOUND)):  # fmt: skip
        error = refused(
            school.command, "archives", "VerifyRecord", school.secretary("m02"),
            record_id="m02-r", awarded_points=15.0, appeal_id=appeal_id,
        )  # fmt: skip
        assert (error.code(), field_of(error)) == (code, "appeal_id")

    # The upheld appeal lets the verification through: 15 points (duty_performance, at its
    # monthly cap), normalised 37.5 of 40,
    # composite .4×37.5 + .6×80 = 63.0, one star, off the follow-up list.
    upheld = appeal(school, "m02", "record", "m02-r", "upheld")
    school.command(
        "archives", "VerifyRecord", school.secretary("m02"), record_id="m02-r",
        awarded_points=15.0, appeal_id=upheld,
    )  # fmt: skip

    def amendments() -> list[Envelope]:
        return of_period(on_topic(processes, school), "PublicationAmended")

    [amended_envelope] = until(amendments, lambda found: len(found) >= 1, "the amendment")
    amended = registry.decode(amended_envelope)
    assert isinstance(amended, PublicationAmended)
    assert (amended.amends, amended.amends_digest) == (str(issued.event_id), publication.digest)
    assert (amended.appeal_id, amended.member_id) == (upheld, "m02")
    assert amended.digest != publication.digest and verify_payload(amended_envelope.data)
    assert amended_envelope.stream_id == issued.stream_id and amended_envelope.stream_version == 2
    after = {e.member_id: e for e in amended.entries}
    assert after["m01"] == entries["m01"]
    assert (after["m02"].standing.value, after["m02"].composite, after["m02"].stars) == (
        "complete",
        63.0,
        1,
    )
    assert amended.follow_up == () and amended.input_events == publication.input_events + 1
    # Scoring's own evaluation of the closed month is the published one, as amended.
    shown = until(
        lambda: school.evaluation("m02", PERIOD.id),
        lambda evaluation: evaluation.composite == 63.0,
        "the amended evaluation in scoring",
    )
    assert (shown.provisional, shown.stars) == (False, 1)

    # The original stays on the topic, once; nothing more was sent for the month but the
    # amendment (no EvaluationUpdated for a published period).
    settled = on_topic(processes, school)
    assert [e.event_id for e in settled if e.event_type == "PublicationIssued"] == [issued.event_id]
    assert len(of_period(settled, "EvaluationUpdated")) == updates_at_close
    assert len(of_period(settled, "PublicationAmended")) == 1

    # Scoring restarts and rebuilds from the topics: nothing is sent twice, and the next
    # appeal amends the amendment. Committee tier 80 → 100: 15 + 8 + 16 + 30 = 69.0.
    processes.kill("scoring")
    processes.start_again("scoring")
    processes.wait_ready("scoring")
    again = appeal(school, "m02", "evaluation", PERIOD.id, "upheld")
    school.command(
        "archives", "SubmitAssessment", school.committee, member_id="m02", period=PERIOD.id,
        tier="committee", scores=apb.LeadScores(**dict.fromkeys(LEADS, 100)), appeal_id=again,
    )  # fmt: skip
    both = until(amendments, lambda found: len(found) >= 2, "the second amendment")
    time.sleep(2.0)  # one sent twice has had the time to show
    settled = on_topic(processes, school)
    assert [e.event_id for e in settled if e.event_type == "PublicationIssued"] == [issued.event_id]
    assert [e.event_id for e in of_period(settled, "PublicationAmended")] == [
        e.event_id for e in both
    ]
    second = registry.decode(both[1])
    assert isinstance(second, PublicationAmended) and both[1].stream_version == 3
    assert (second.amends, second.amends_digest) == (str(amended_envelope.event_id), amended.digest)
    assert (second.appeal_id, {e.member_id: e.composite for e in second.entries}["m02"]) == (
        again,
        69.0,
    )
    assert len(of_period(settled, "EvaluationUpdated")) == updates_at_close
