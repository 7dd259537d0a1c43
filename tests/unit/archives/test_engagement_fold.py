"""A member's archive shows their pledges with the PDCA stage and their evaluation timeline,
folded from the pledges and scoring services' events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from archives.readmodel.archive import Archive, apply, empty_archive
from contracts.registry import published as published_language
from kernel.envelope import Actor, Envelope, Role
from kernel.events import encode

MOMENT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
Entry = dict[str, Any]


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


def evaluation(composite: float, stars: int | None, *missing: str) -> dict[str, Any]:
    """What the archive reads of an EvaluationUpdated (v2)."""
    return {
        "member_id": "m1",
        "period": "2026-10",
        "composite": composite,
        "provisional": bool(missing),
        "missing": list(missing),
        "stars": stars,
        "rules_version": "2026.1",
    }


def entry(member: str, standing: str, composite: float | None, stars: int | None) -> Entry:
    """A PublicationIssued (v2) entry."""
    missing = ["committee"] if standing == "provisional" else []
    return {
        "member_id": member,
        "branch_id": "b1",
        "standing": standing,
        "composite": composite,
        "stars": stars,
        "missing": missing,
    }


def published(archive: Archive, *entries: Entry) -> dict[str, Any]:
    publication = {"period": "2026-10", "rules_version": "2026.1", "entries": list(entries)}
    assert apply(archive, envelope("PublicationIssued", publication), publication)
    return dict(archive["evaluations"]["2026-10"])


def test_evaluations_update_live_and_freeze_when_published() -> None:
    archive = empty_archive("s1", "m1")
    body = evaluation(82.5, 3)
    assert apply(archive, envelope("EvaluationUpdated", body), body)
    live = archive["evaluations"]["2026-10"]
    assert (live["standing"], live["stars"], live["published"]) == ("complete", 3, False)
    shown = published(archive, entry("m2", "complete", 91.0, 4), entry("m1", "complete", 83.0, 3))
    assert (shown["standing"], shown["composite"], shown["stars"], shown["published"]) == (
        "complete",
        83.0,
        3,
        True,
    )


def test_a_provisional_evaluation_is_shown_without_stars_live_and_published() -> None:
    archive = empty_archive("s1", "m1")
    body = evaluation(97.5, None, "peer_public")
    assert apply(archive, envelope("EvaluationUpdated", body), body)
    live = archive["evaluations"]["2026-10"]
    assert (live["standing"], live["composite"], live["stars"], live["missing"]) == (
        "provisional",
        97.5,
        None,
        ["peer_public"],
    )
    shown = published(archive, entry("m1", "provisional", 97.5, None))
    assert (shown["standing"], shown["stars"], shown["missing"], shown["published"]) == (
        "provisional",
        None,
        ["committee"],
        True,
    )


def test_a_member_with_no_activity_is_shown_as_published_without_a_composite() -> None:
    archive = empty_archive("s1", "m1")
    shown = published(archive, entry("m1", "no_activity", None, None))
    assert (shown["standing"], shown["composite"], shown["stars"], shown["published"]) == (
        "no_activity",
        None,
        None,
        True,
    )


def test_a_v1_publication_read_as_v2_shows_a_provisional_entry_without_stars() -> None:
    """What the projection does with an older event: upcast, then fold."""
    v1_entry = {
        "member_id": "m1",
        "composite": 100.0,
        "stars": 5,
        "provisional": True,
        "follow_up": False,
    }
    v1 = {
        "school_id": "s1",
        "period": "2026-10",
        "kind": "month",
        "publication": "monthly_publication",
        "rules_version": "2026.1",
        "closed_by": "c1",
        "close_position": 9,
        "entries": [v1_entry],
        "commendations": [],
        "follow_up": [],
        "input_events": 3,
        "inputs_digest": "0" * 64,
        "digest": "0" * 64,
    }
    stored = envelope("PublicationIssued", v1)
    archive = empty_archive("s1", "m1")
    assert apply(archive, stored, encode(published_language().decode(stored)))
    shown = archive["evaluations"]["2026-10"]
    assert (shown["standing"], shown["composite"], shown["stars"]) == ("provisional", 100.0, None)


def amended(archive: Archive, appeal_id: str, member: str, *entries: Entry) -> dict[str, Any]:
    body = {
        "period": "2026-10",
        "rules_version": "2026.1",
        "entries": list(entries),
        "member_id": member,
        "appeal_id": appeal_id,
    }
    assert apply(archive, envelope("PublicationAmended", body), body)
    return dict(archive["evaluations"]["2026-10"])


def shown_result(evaluation: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(evaluation[k] for k in ("standing", "composite", "stars", "published"))


def test_a_late_evaluation_does_not_change_what_was_published() -> None:
    """The defect seen: published 62.0 / 1★, later shown 57.0 / 0★ "published"."""
    archive = empty_archive("s1", "m1")
    published(archive, entry("m1", "complete", 62.0, 1))
    late = evaluation(57.0, 0)
    apply(archive, envelope("EvaluationUpdated", late), late)
    assert shown_result(archive["evaluations"]["2026-10"]) == ("complete", 62.0, 1, True)


def test_an_update_read_after_the_publication_it_preceded_changes_nothing_either() -> None:
    """Evaluations and publications are read from different partitions, in either order:
    the published result wins both ways."""
    archive = empty_archive("s1", "m1")
    before = evaluation(70.0, 2)
    apply(archive, envelope("EvaluationUpdated", before), before)
    published(archive, entry("m1", "complete", 62.0, 1))
    assert shown_result(archive["evaluations"]["2026-10"]) == ("complete", 62.0, 1, True)


def test_an_amendment_replaces_the_members_entry_and_says_which_appeal() -> None:
    archive = empty_archive("s1", "m1")
    published(archive, entry("m1", "complete", 62.0, 1))
    shown = amended(archive, "a1", "m1", entry("m1", "complete", 71.0, 2))
    assert shown_result(shown) == ("complete", 71.0, 2, True)
    assert (shown["amended"], shown["appeal_id"]) == (True, "a1")
    late = evaluation(57.0, 0)
    apply(archive, envelope("EvaluationUpdated", late), late)
    assert shown_result(archive["evaluations"]["2026-10"]) == ("complete", 71.0, 2, True)


def test_an_amendment_read_before_the_issued_publication_stays() -> None:
    archive = empty_archive("s1", "m1")
    amended(archive, "a1", "m1", entry("m1", "complete", 71.0, 2))
    issued: dict[str, Any] = {"period": "2026-10", "rules_version": "2026.1"}
    issued["entries"] = [entry("m1", "complete", 62.0, 1)]
    assert apply(archive, envelope("PublicationIssued", issued), issued) == ()
    shown = archive["evaluations"]["2026-10"]
    assert shown_result(shown) == ("complete", 71.0, 2, True)
    assert shown["appeal_id"] == "a1"
