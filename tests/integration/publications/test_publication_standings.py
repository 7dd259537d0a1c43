"""What a month's publication shows once the month is closed, for a small roster with one member
in each standing, driven through the suite's public gRPC APIs against the real (embedded)
broker: a complete evaluation with its composite and stars (commended); a provisional one
(only a self-assessment of 50) with its composite, what is missing, no stars and no follow-up;
a member with no activity, transferred before the close, flagged for their new branch; a
member who left before the month, absent. The archive shows each member's standing as
published, and scoring's GetEvaluation gives the provisional member no stars."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from processes import Processes
from rounds import published_once
from school import CATEGORIES, LEADS, MONTH, Metadata, School, Stubs

from contracts.digests import verify_payload
from contracts.periods import periods_of
from contracts.scoring import PublicationIssued, registry
from scoring.domain.publication import verify_digest
from vanguard.archives.v1 import archives_pb2 as apb

pytestmark = pytest.mark.timeout(300)

# The month before this one: over, so every day of it has come, and closing it is ordinary.
PERIOD = periods_of(MONTH.start - timedelta(days=1))[0]
ROSTER = {"m01": "b1", "m02": "b1", "m03": "b1", "m04": "b1"}
SETTLE_S = 90.0
T = TypeVar("T")


def assess(school: School, caller: Metadata, member: str, tier: str, score: float) -> None:
    school.command(
        "archives", "SubmitAssessment", caller, member_id=member, period=PERIOD.id, tier=tier,
        scores=apb.LeadScores(**dict.fromkeys(LEADS, score)),
    )  # fmt: skip


def complete_month(school: School, member: str) -> None:
    """Four verified records, one per category at its monthly cap: 45 points, past the month's
    full objective scale (40: normalised 100); every tier at 100. Composite 100.0, 5 stars."""
    for n, category in enumerate(CATEGORIES):
        record_id = f"{member}-r{n}"
        school.command(
            "archives", "RecordPerformance", school.member(member), member_id=member,
            record_id=record_id, category=category, channel="self_declared",
            occurred_on=PERIOD.start.isoformat(), description="公开课", claimed_points=15.0,
        )  # fmt: skip
        school.command(
            "archives", "VerifyRecord", school.secretary(member), record_id=record_id,
            awarded_points=15.0,
        )  # fmt: skip
    assess(school, school.member(member), member, "self", 100)
    for n in range(3):  # three ballots: the peer/public tier's minimum
        assess(school, school.public(n + 1), member, "public", 100)
    assess(school, school.committee, member, "committee", 100)


def until(read: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
    deadline = time.monotonic() + SETTLE_S
    while not done(found := read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not seen within {SETTLE_S}s; last: {found}")
        time.sleep(0.5)
    return found


def test_a_closed_month_publishes_every_member_of_the_roster_in_one_standing(
    processes: Processes, stubs: Stubs
) -> None:
    school = School(f"pub-{uuid.uuid4().hex[:8]}", processes.secret, stubs).found(ROSTER)
    complete_month(school, "m01")
    assess(school, school.member("m02"), "m02", "self", 50)  # alone: (.4×0 + .1×50)/.5 = 10.0
    school.command(
        "archives", "TransferMember", school.committee, member_id="m03", to_branch_id="b2",
        reason="调岗",
    )  # fmt: skip
    school.command(
        "archives", "RecordMemberLeft", school.committee, member_id="m04",
        left_on=(PERIOD.start - timedelta(days=1)).isoformat(), reason="调离",
    )  # fmt: skip
    school.command("archives", "ClosePeriod", school.committee, period=PERIOD.id)

    [issued] = {e.event_id: e for e in published_once(processes.kafka, school.id)}.values()
    assert issued.schema_version == 2
    publication = registry.decode(issued)
    assert isinstance(publication, PublicationIssued)
    assert publication.period == PERIOD.id
    shown = [
        (e.member_id, e.branch_id, e.standing.value, e.composite, e.stars, e.missing)
        for e in publication.entries
    ]
    assert shown == [
        ("m01", "b1", "complete", 100.0, 5, ()),
        ("m02", "b1", "provisional", 10.0, None, ("peer_public", "committee")),
        ("m03", "b2", "no_activity", None, None, ()),  # m04 left before the month: absent
    ]
    assert publication.commendations == ("m01",)
    assert [(f.member_id, f.branch_id, f.reason.value) for f in publication.follow_up] == [
        ("m03", "b2", "no_activity")  # m02 at 10.0 is provisional: not flagged
    ]
    assert verify_digest(publication) and verify_payload(issued.data)

    def evaluations() -> dict[str, apb.EvaluationEntry]:
        found = {}
        for member in ("m01", "m02", "m03"):
            month = [e for e in school.archive(member).evaluations if e.period == PERIOD.id]
            if month:
                found[member] = month[0]
        return found

    archived = until(
        evaluations,
        lambda found: len(found) == 3 and all(e.published for e in found.values()),
        "the publication in the archives",
    )
    complete, provisional, idle = archived["m01"], archived["m02"], archived["m03"]
    assert (complete.standing, complete.HasField("stars"), complete.stars) == ("complete", True, 5)
    assert (provisional.standing, provisional.composite) == ("provisional", 10.0)
    assert not provisional.HasField("stars")
    assert list(provisional.missing) == ["peer_public", "committee"]
    assert idle.standing == "no_activity"
    assert not idle.HasField("composite") and not idle.HasField("stars")

    evaluation = school.evaluation("m02", PERIOD.id)
    assert (evaluation.provisional, evaluation.composite) == (True, 10.0)
    assert not evaluation.HasField("stars") and not evaluation.follow_up
