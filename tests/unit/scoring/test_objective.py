"""Objective points: verified records weighted by category and channel and capped per period;
pledge outcomes, rectifications, verified feedback and model-post reviews; periods."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.scorer import Scorer
from unit.scoring.kit import Members
from unit.scoring.story import Story


def test_only_verified_records_count_and_by_their_channel_weight(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    members.feed(
        story.record("m1", "r1"),  # pending: nothing
        story.record("m1", "r2", channel="branch_investigation"),
        story.verify("m1", "r2", 5),  # 5 × 1.2
        story.record("m1", "r3"),
        story.reject("m1", "r3"),
    )
    objective = members.evaluation("m1").objective
    assert objective.records == {"duty_performance": 6.0}
    assert objective.points == 6.0
    assert objective.normalised == 15.0  # 6 of the month's 40


def test_a_correction_replaces_the_awarded_points(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(
        story.record("m1", "r1"), story.verify("m1", "r1", 8), story.correct("m1", "r1", 3)
    )
    assert members.evaluation("m1").objective.points == 3.0


def test_records_are_capped_per_category_and_period_kind(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    for n in range(4):  # 4 × 6 = 24 study points: month cap 10, quarter cap 25
        members.feed(story.record("m1", f"r{n}", category="study_training"))
        members.feed(story.verify("m1", f"r{n}", 6))
    assert members.evaluation("m1", "2026-10").objective.records == {"study_training": 10.0}
    assert members.evaluation("m1", "2026-Q4").objective.records == {"study_training": 24.0}


@pytest.mark.parametrize(
    ("period", "counts"),
    [("2026-10", True), ("2026-Q4", True), ("AY2026", True), ("2026-11", False), ("AY2025", False)],
)
def test_a_record_counts_in_every_period_containing_its_day(
    story: Story, scorer: Scorer, period: str, counts: bool
) -> None:
    members = Members(scorer)
    members.feed(story.record("m1", "r1", on=date(2026, 10, 3)), story.verify("m1", "r1", 4))
    assert (members.evaluation("m1", period).objective.points == 4.0) is counts


@pytest.mark.parametrize(
    ("outcome", "rectified", "points"),
    [("fulfilled", False, 10.0), ("partially_fulfilled", True, 8.0), ("unfulfilled", True, 3.0)],
)
def test_pledge_outcomes_and_rectifications_earn_their_points(
    story: Story, scorer: Scorer, outcome: str, rectified: bool, points: float
) -> None:
    members = Members(scorer)
    members.feed(story.pledge("m1", "p1"), story.pledge_closed("m1", "p1", outcome))
    if rectified:
        members.feed(story.rectified("m1", "p1"))
    assert members.evaluation("m1").objective.pledges == points
    assert members.evaluation("m1", "AY2026").objective.pledges == points


def test_a_quarter_pledge_counts_in_its_quarter_and_year_but_no_month(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    members.feed(story.pledge("m1", "p1", "2026-Q4"), story.pledge_closed("m1", "p1", "fulfilled"))
    assert members.evaluation("m1", "2026-Q4").objective.pledges == 10.0
    assert members.evaluation("m1", "AY2026").objective.pledges == 10.0
    assert members.evaluation("m1", "2026-10").objective.pledges == 0.0


def test_verified_feedback_counts_by_rating_up_to_the_cap(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(
        story.pledge("m1", "p1"), story.feedback("m1", "p1", 5), story.feedback("m1", "p1", 2)
    )
    assert members.evaluation("m1").objective.feedback == 1.0  # +2 −1
    members.feed(*(story.feedback("m1", "p1", 5) for _ in range(5)))
    assert members.evaluation("m1").objective.feedback == 5.0  # month cap


def test_verified_feedback_takes_away_no_more_than_the_cap_either(
    story: Story, scorer: Scorer
) -> None:
    """The cap is symmetric: −5 a month, −10 a quarter, −20 a year by default, so a flood of
    low ratings cannot wipe out the rest of a member's objective points."""
    members = Members(scorer)
    members.feed(story.record("m1", "r1"), story.verify("m1", "r1", 12))
    members.feed(story.pledge("m1", "p1"), *(story.feedback("m1", "p1", 1) for _ in range(6)))
    month = members.evaluation("m1")
    assert month.objective.feedback == -5.0  # −12 capped
    assert month.objective.points == 12.0 - 5.0
    assert members.evaluation("m1", "2026-Q4").objective.feedback == -10.0
    assert members.evaluation("m1", "AY2026").objective.feedback == -12.0  # within −20


def test_the_latest_model_post_review_of_a_period_counts(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.post_review("m1", 50), story.post_review("m1", 80))
    assert members.evaluation("m1").objective.posts == 8.0


def test_objective_points_normalise_to_at_most_100(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    for n in range(4):
        members.feed(story.pledge("m1", f"p{n}"), story.pledge_closed("m1", f"p{n}", "fulfilled"))
    members.feed(story.pledge("m1", "p9"), story.pledge_closed("m1", "p9", "fulfilled"))
    assert members.evaluation("m1").objective.points == 50.0
    assert members.evaluation("m1").objective.normalised == 100.0
