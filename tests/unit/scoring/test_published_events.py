"""Scoring's published events across schema versions: a v1 EvaluationUpdated or
PublicationIssued on the log is read as v2 (a provisional evaluation without stars or
follow-up flag), a v1 publication's digest still verifies over its stored payload, and v2
refuses stars where the standing has none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.digests import content_digest, verify_payload
from contracts.scoring import EvaluationUpdated, PublicationEntry, PublicationIssued, registry
from contracts.vocabulary import FollowUpReason, Standing
from kernel.envelope import Actor, Envelope, Role
from kernel.events import encode
from scoring.domain.publication import verify_digest
from scoring.scorer import Scorer
from unit.scoring.kit import Members
from unit.scoring.story import SCHOOL, Story
from unit.scoring.test_tiers import only_self_assessed


def envelope(event_type: str, version: int, data: dict[str, Any]) -> Envelope:
    when = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=version,
        school_id=SCHOOL,
        stream_id=f"{SCHOOL}/x",
        stream_version=1,
        partition_key="m1",
        occurred_at=when,
        recorded_at=when,
        actor=Actor(id="scoring", role=Role.SERVICE),
        correlation_id="c",
        data=data,
    )


def evaluation_v1(provisional: bool, stars: int, follow_up: bool) -> dict[str, Any]:
    return {
        "school_id": SCHOOL,
        "member_id": "m1",
        "period": "2026-10",
        "rules_version": "default-2024.1",
        "objective": {
            "points": 0.0,
            "normalised": 0.0,
            "records": {},
            "pledges": 0.0,
            "feedback": 0.0,
            "posts": 0.0,
        },
        "tiers": {
            "self_assessment": 50.0,
            "peer_public": None,
            "committee": None,
            "peer_public_ballots": 0,
        },
        "inputs": 1,
        "provisional": provisional,
        "missing": ["peer_public", "committee"] if provisional else [],
        "composite": 10.0,
        "stars": stars,
        "follow_up": follow_up,
    }


def test_a_v1_provisional_evaluation_is_read_without_stars_or_follow_up_flag() -> None:
    # what v1 scoring published for a member who only self-assessed 50: 10.0, 0 stars, flagged
    read = registry.decode(envelope("EvaluationUpdated", 1, evaluation_v1(True, 0, True)))
    assert isinstance(read, EvaluationUpdated)
    assert (read.composite, read.stars, read.follow_up) == (10.0, None, False)


def test_a_v1_complete_evaluation_keeps_its_stars_and_flag() -> None:
    read = registry.decode(envelope("EvaluationUpdated", 1, evaluation_v1(False, 0, True)))
    assert isinstance(read, EvaluationUpdated)
    assert (read.stars, read.follow_up) == (0, True)


def test_scoring_emits_v2_evaluations_that_read_back_as_emitted(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    [update] = [
        u for u in members.feed(*only_self_assessed(story, "m1")) if "2026-10" in u.stream_id
    ]
    assert update.schema_version == 2
    assert (update.data["stars"], update.data["follow_up"]) == (None, False)
    assert encode(registry.decode(update)) == update.data


PUBLICATION_V1: dict[str, Any] = {
    "school_id": SCHOOL,
    "period": "2026-10",
    "kind": "month",
    "publication": "monthly_publication",
    "rules_version": "default-2024.1",
    "closed_by": "close-1",
    "close_position": 40,
    "entries": [
        {"member_id": "a", "composite": 100.0, "stars": 5, "provisional": True, "follow_up": False},
        {"member_id": "b", "composite": 10.0, "stars": 0, "provisional": True, "follow_up": True},
        {"member_id": "c", "composite": 24.0, "stars": 0, "provisional": False, "follow_up": True},
        {"member_id": "d", "composite": 98.0, "stars": 5, "provisional": False, "follow_up": False},
    ],
    "commendations": ["d"],
    "follow_up": ["b", "c"],
    "input_events": 30,
    "inputs_digest": "0" * 64,
}


def stored_v1() -> Envelope:
    return envelope(
        "PublicationIssued", 1, {**PUBLICATION_V1, "digest": content_digest(PUBLICATION_V1)}
    )


def test_a_v1_publication_is_read_with_standings_and_stars_only_when_complete() -> None:
    read = registry.decode(stored_v1())
    assert isinstance(read, PublicationIssued)
    assert [(e.member_id, e.branch_id, e.standing, e.composite, e.stars) for e in read.entries] == [
        ("a", "", Standing.PROVISIONAL, 100.0, None),
        ("b", "", Standing.PROVISIONAL, 10.0, None),
        ("c", "", Standing.COMPLETE, 24.0, 0),
        ("d", "", Standing.COMPLETE, 98.0, 5),
    ]
    assert read.commendations == ("d",)
    # b was flagged while provisional: read as v2 only the complete one is followed up
    assert [(f.member_id, f.branch_id, f.reason) for f in read.follow_up] == [
        ("c", "", FollowUpReason.BELOW_THRESHOLD)
    ]


def test_a_v1_publication_verifies_over_its_stored_payload_not_the_upcast_one() -> None:
    stored = stored_v1()
    assert verify_payload(stored.data)
    read = registry.decode(stored)
    assert isinstance(read, PublicationIssued)
    assert not verify_digest(read)  # the upcast content is not what the digest covers
    tampered = {**stored.data, "commendations": ["c", "d"]}
    assert not verify_payload(tampered)


def test_an_entry_shows_only_what_its_standing_has() -> None:
    def entry(standing: Standing, composite: float | None, stars: int | None) -> PublicationEntry:
        return PublicationEntry(
            member_id="m1",
            branch_id="b1",
            standing=standing,
            composite=composite,
            stars=stars,
            missing=(),
        )

    assert entry(Standing.COMPLETE, 80.0, 3).stars == 3
    assert entry(Standing.PROVISIONAL, 80.0, None).stars is None
    assert entry(Standing.NO_ACTIVITY, None, None).composite is None
    for standing, composite, stars in [
        (Standing.PROVISIONAL, 80.0, 3),
        (Standing.COMPLETE, 80.0, None),
        (Standing.NO_ACTIVITY, 0.0, None),
        (Standing.NO_ACTIVITY, None, 0),
    ]:
        with pytest.raises(ValidationError):
            entry(standing, composite, stars)


def test_a_v2_evaluation_with_stars_while_provisional_is_refused() -> None:
    data = {**evaluation_v1(True, 0, False), "missing": ["peer_public"]}
    with pytest.raises(ValidationError, match="provisional evaluation has no stars"):
        registry.decode(envelope("EvaluationUpdated", 2, data))
