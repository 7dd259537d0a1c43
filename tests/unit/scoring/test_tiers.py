"""The three tiers and the composite: ballot means, minimum reviewers, trimming, the latest
submission superseding, and provisional evaluations that never count a missing tier as 0."""

from __future__ import annotations

import pytest

from scoring.scorer import Scorer
from unit.scoring.kit import Members
from unit.scoring.story import Story


def test_a_submission_scores_the_mean_of_its_four_leads(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.assess("m1", "self", 70, 80, 90, 100))
    assert members.evaluation("m1").tiers.self_assessment == 85.0


def test_the_latest_self_assessment_supersedes(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.assess("m1", "self", 90), story.assess("m1", "self", 60))
    assert members.evaluation("m1").tiers.self_assessment == 60.0


def test_assessments_count_only_in_the_period_they_name(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.assess("m1", "committee", 90, period="2026-Q4"))
    assert members.evaluation("m1", "2026-Q4").tiers.committee == 90.0
    assert members.evaluation("m1", "2026-10").tiers.committee is None


@pytest.mark.parametrize(
    ("ballots", "tier"),
    [
        ([80, 90], None),  # fewer than 3: not scored yet
        ([60, 80, 100], 80.0),  # 3 or 4: plain mean
        ([50, 80, 80, 100], 77.5),
        ([10, 80, 80, 80, 100], 80.0),  # 5 or more: highest and lowest dropped
        ([10, 70, 80, 90, 100, 100], 85.0),
    ],
)
def test_peer_and_public_ballots(
    story: Story, scorer: Scorer, ballots: list[float], tier: float | None
) -> None:
    members = Members(scorer)
    for n, score in enumerate(ballots):
        members.feed(story.assess("m1", "peer" if n % 2 else "public", score, ballot=f"b{n}"))
    assert members.evaluation("m1").tiers.peer_public == tier
    assert members.evaluation("m1").tiers.peer_public_ballots == len(ballots)


def test_a_ballot_cast_again_counts_once_with_its_latest_scores(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    members.feed(*(story.assess("m1", "peer", 70, ballot=f"b{n}") for n in range(3)))
    members.feed(story.assess("m1", "peer", 100, ballot="b0"))
    assert members.evaluation("m1").tiers.peer_public == 80.0


def complete(story: Story, member: str, objective_points: float, tier_score: float) -> list:
    """Objective points (as a verified record) and every tier at `tier_score`."""
    return [
        story.record(member, f"{member}-r"),
        story.verify(member, f"{member}-r", objective_points),
        story.assess(member, "self", tier_score),
        *(story.assess(member, "peer", tier_score, ballot=f"{member}-b{n}") for n in range(3)),
        story.assess(member, "committee", tier_score),
    ]


def test_the_composite_weighs_the_parts_by_the_rules(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(*complete(story, "m1", 10, 90))  # objective 10/40 → 25
    evaluation = members.evaluation("m1")
    assert evaluation.composite == 64.0  # .4×25 + .6×90
    assert (evaluation.stars, evaluation.provisional, evaluation.follow_up) == (1, False, False)
    assert evaluation.rules_version == "default-2024.1"
    assert evaluation.inputs == 6


def test_a_missing_tier_leaves_the_evaluation_provisional_not_zero(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    members.feed(story.assess("m1", "self", 90), story.assess("m1", "committee", 80))
    evaluation = members.evaluation("m1")
    assert evaluation.provisional
    assert evaluation.missing == ("peer_public",)
    assert evaluation.composite == 41.25  # (.4×0 + .1×90 + .3×80) / .8, not over 1.0
