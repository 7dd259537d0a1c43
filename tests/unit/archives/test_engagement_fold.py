"""A member's archive shows their pledges with the PDCA stage and their evaluation timeline,
folded from the pledges and scoring services' events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from archives.readmodel.archive import Archive, apply, empty_archive
from kernel.envelope import Actor, Envelope, Role

MOMENT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def envelope(event_type: str, data: dict[str, Any], version: int = 1) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=1,
        school_id="s1",
        stream_id="s1/pledge/p1",
        stream_version=version,
        partition_key="m1",
        occurred_at=MOMENT,
        recorded_at=MOMENT,
        actor=Actor(id="sec-1", role=Role.SECRETARY),
        correlation_id="c",
        data=data,
    )


def fold(archive: Archive, event_type: str, **data: Any) -> None:
    body = {"pledge_id": "p1", "member_id": "m1", **data}
    assert apply(archive, envelope(event_type, body), body)


def test_a_pledge_moves_through_plan_do_check_act_done() -> None:
    archive = empty_archive("s1", "m1")
    fold(archive, "PledgeMade", title="每周听课两节", lead="work", period="2026-11")
    stages = [archive["pledges"]["p1"]["pdca_stage"]]
    fold(archive, "PledgeApproved")
    fold(archive, "PledgePublished")
    stages.append(archive["pledges"]["p1"]["pdca_stage"])
    fold(archive, "FulfilmentReported", report_id="f1")
    stages.append(archive["pledges"]["p1"]["pdca_stage"])
    fold(archive, "FulfilmentVerified", report_id="f1", verdict="partially_accepted")
    stages.append(archive["pledges"]["p1"]["pdca_stage"])
    fold(archive, "PledgeClosed", outcome="partially_fulfilled")
    fold(archive, "RectificationRequired", requirement="补齐听课记录")
    stages.append(archive["pledges"]["p1"]["pdca_stage"])
    fold(archive, "RectificationCompleted")
    stages.append(archive["pledges"]["p1"]["pdca_stage"])
    assert stages == ["plan", "do", "check", "do", "act", "done"]
    entry = archive["pledges"]["p1"]
    assert (entry["status"], entry["outcome"], entry["title"]) == (
        "closed",
        "partially_fulfilled",
        "每周听课两节",
    )


def test_evaluations_update_live_and_freeze_when_published() -> None:
    archive = empty_archive("s1", "m1")
    body = {
        "member_id": "m1",
        "period": "2026-10",
        "composite": 82.5,
        "provisional": False,
        "stars": 3,
        "rules_version": "2026.1",
    }
    assert apply(archive, envelope("EvaluationUpdated", body), body)
    assert archive["evaluations"]["2026-10"]["published"] is False
    publication = {
        "period": "2026-10",
        "entries": [
            {"member_id": "m2", "composite": 91.0, "stars": 4, "provisional": False},
            {"member_id": "m1", "composite": 83.0, "stars": 3, "provisional": False},
        ],
    }
    assert apply(archive, envelope("PublicationIssued", publication), publication)
    evaluation = archive["evaluations"]["2026-10"]
    assert (evaluation["composite"], evaluation["stars"], evaluation["published"]) == (
        83.0,
        3,
        True,
    )
