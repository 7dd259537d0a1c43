"""Objective points of one member in one period: verified records (weighted, capped per
category), pledge outcomes and completed rectifications, verified supervision feedback
(capped) and model-post reviews. Every line is a Contribution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from contracts.periods import Period
from contracts.vocabulary import Channel, Outcome, RecordCategory
from scoring.domain.contributions import Contribution
from scoring.domain.facts import Fact
from scoring.domain.records import RecordState, fold_records
from scoring.domain.rules import Rules
from scoring.domain.scope import PeriodScope


@dataclass
class ObjectiveTally:
    records: dict[str, float] = field(default_factory=dict)  # by category, after caps
    pledges: float = 0.0
    feedback: float = 0.0
    posts: float = 0.0
    lines: list[Contribution] = field(default_factory=list)

    @property
    def points(self) -> float:
        return max(0.0, sum(self.records.values()) + self.pledges + self.feedback + self.posts)


def tally_objective(facts: Sequence[Fact], scope: PeriodScope, rules: Rules) -> ObjectiveTally:
    tally = ObjectiveTally()
    _tally_records(fold_records(facts), scope, rules, tally)
    _tally_pledges(facts, scope, rules, tally)
    _tally_posts(facts, scope, rules, tally)
    return tally


def _tally_records(
    records: Sequence[RecordState], scope: PeriodScope, rules: Rules, tally: ObjectiveTally
) -> None:
    for category in RecordCategory:
        earned = 0.0
        for record in records:
            if record.category != category or not scope.counts_day(record.occurred_on):
                continue
            points = _record_points(record, rules, tally)
            earned += points
        if earned:
            tally.records[category.value] = _capped(
                earned, rules.record_caps[category].of(scope.period.kind), category, tally
            )


def _record_points(record: RecordState, rules: Rules, tally: ObjectiveTally) -> float:
    if not record.verified or record.decided_by is None:
        return 0.0
    weight = rules.record_weight(record.category, record.channel)
    points = record.awarded * weight
    what = "corrected" if record.corrected else "verified"
    rule = f"{what} {record.category.value} record via {record.channel.value}: "
    rule += f"{record.awarded:g} awarded × {weight:g}"
    tally.lines.append(
        Contribution.of(
            record.decided_by, f"objective.records.{record.category.value}", points, rule
        )
    )
    return points


def _capped(earned: float, cap: float, category: RecordCategory, tally: ObjectiveTally) -> float:
    if earned <= cap:
        return earned
    tally.lines.append(
        Contribution(
            "",
            "cap",
            f"objective.records.{category.value}",
            round(cap - earned, 4),
            f"{category.value} capped at {cap:g} points per period",
        )
    )
    return cap


def _tally_pledges(
    facts: Sequence[Fact], scope: PeriodScope, rules: Rules, tally: ObjectiveTally
) -> None:
    periods = {f.data["pledge_id"]: f.data["period"] for f in facts if f.event_type == "PledgeMade"}
    feedback = 0.0
    for fact in facts:
        pledge_period = periods.get(str(fact.data.get("pledge_id")))
        if pledge_period is None or not scope.counts_period(pledge_period):
            continue
        if fact.event_type == "PledgeClosed":
            outcome = Outcome(fact.data["outcome"])
            points = rules.pledge_points.outcome(outcome)
            tally.pledges += points
            tally.lines.append(
                Contribution.of(fact, "objective.pledges", points, f"pledge {outcome.value}")
            )
        elif fact.event_type == "RectificationCompleted":
            points = rules.pledge_points.rectification_completed
            tally.pledges += points
            tally.lines.append(
                Contribution.of(fact, "objective.pledges", points, "rectification completed")
            )
        elif fact.event_type == "FeedbackVerified":
            rating = int(fact.data["rating"])
            points = rules.feedback_points[rating]
            feedback += points
            rule = f"verified {fact.data['reviewer_kind']} feedback rated {rating}"
            tally.lines.append(Contribution.of(fact, "objective.feedback", points, rule))
    kind = scope.period.kind
    tally.feedback = _capped_feedback(
        feedback, -rules.feedback_penalty_cap.of(kind), rules.feedback_cap.of(kind), tally
    )


def _capped_feedback(earned: float, floor: float, cap: float, tally: ObjectiveTally) -> float:
    """Feedback counts within [floor, cap]: as little can be taken away as added."""
    bound = min(max(earned, floor), cap)
    if bound != earned:
        rule = f"feedback capped at {bound:g} points per period"
        amount = round(bound - earned, 4)
        tally.lines.append(Contribution("", "cap", "objective.feedback", amount, rule))
    return bound


def _tally_posts(
    facts: Sequence[Fact], scope: PeriodScope, rules: Rules, tally: ObjectiveTally
) -> None:
    latest: dict[tuple[str, str], Fact] = {}
    for fact in facts:
        if fact.event_type == "ModelPostReviewed" and scope.counts_period(fact.data["period"]):
            latest[(fact.data["post_id"], fact.data["period"])] = fact
    for fact in latest.values():
        score = float(fact.data["score"])
        points = score / 100 * rules.post_review_points
        tally.posts += points
        rule = f"model-post review {score:g}/100 × {rules.post_review_points:g} points"
        tally.lines.append(Contribution.of(fact, "objective.posts", points, rule))


def normalised(points: float, rules: Rules, period: Period) -> float:
    return min(100.0, 100.0 * points / rules.objective_full_scale.of(period.kind))


__all__ = ["Channel", "ObjectiveTally", "normalised", "tally_objective"]
