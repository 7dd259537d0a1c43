"""The three tiers and the composite: ballot means, minimum reviewers, trimming, the latest
submission superseding, and provisional evaluations that never count a missing tier as 0 and
have neither stars nor a follow-up flag."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kernel.envelope import Envelope
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


def fulfilled_pledges(story: Story, member: str, count: int = 4) -> list[Envelope]:
    """10 points each: four are the month's full objective scale (40 points)."""
    return [
        e
        for n in range(count)
        for e in (
            story.pledge(member, f"{member}-p{n}"),
            story.pledge_closed(member, f"{member}-p{n}", "fulfilled"),
        )
    ]


def only_objective_points(story: Story, member: str) -> list[Envelope]:
    return fulfilled_pledges(story, member)


def two_of_three_peer_ballots(story: Story, member: str) -> list[Envelope]:
    return [
        *fulfilled_pledges(story, member),
        story.assess(member, "self", 80),
        story.assess(member, "committee", 100),
        *(story.assess(member, "peer", 100, ballot=f"{member}-b{n}") for n in range(2)),
    ]


def only_self_assessed(story: Story, member: str) -> list[Envelope]:
    return [story.assess(member, "self", 50)]


@pytest.mark.parametrize(
    ("events", "composite", "missing"),
    [
        # objective 40/40 → 100, over the objective's .4 alone (published 100.0 / 5★ before)
        (only_objective_points, 100.0, ("self_assessment", "peer_public", "committee")),
        # (.4×100 + .1×80 + .3×100) / .8 (published 97.5 / 5★ before)
        (two_of_three_peer_ballots, 97.5, ("peer_public",)),
        # (.4×0 + .1×50) / .5: under the one-star threshold, flagged at 10.0 before
        (only_self_assessed, 10.0, ("peer_public", "committee")),
    ],
)
def test_a_provisional_evaluation_has_no_stars_and_no_follow_up_flag(
    story: Story,
    scorer: Scorer,
    events: Callable[[Story, str], list[Envelope]],
    composite: float,
    missing: tuple[str, ...],
) -> None:
    members = Members(scorer)
    members.feed(*events(story, "m1"))
    evaluation = members.evaluation("m1")
    assert (evaluation.provisional, evaluation.missing) == (True, missing)
    assert evaluation.composite == composite
    assert (evaluation.stars, evaluation.follow_up) == (None, False)


def test_a_complete_evaluation_below_one_star_is_flagged(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(*complete(story, "m1", 0, 40))
    evaluation = members.evaluation("m1")
    assert evaluation.composite == 24.0  # .4×0 + .6×40
    assert (evaluation.provisional, evaluation.stars, evaluation.follow_up) == (False, 0, True)
