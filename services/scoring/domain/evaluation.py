"""A member's evaluation for one period: objective points, the three tiers and the composite.

A missing tier is never a silent zero: the composite is then the weighted mean of the parts
that are present, and the evaluation is `provisional`, naming what is missing. A provisional
evaluation has no stars and is never flagged for follow-up: both wait for every tier.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.periods import Period
from contracts.scoring import Frozen, ObjectiveBreakdown, TierBreakdown
from scoring.domain.contributions import Contribution
from scoring.domain.facts import Fact
from scoring.domain.objective import ObjectiveTally, normalised, tally_objective
from scoring.domain.rules import Rules
from scoring.domain.scope import PeriodScope
from scoring.domain.tiers import TierTally, tally_tiers


class Evaluation(Frozen):
    school_id: str
    member_id: str
    period: str
    rules_version: str
    objective: ObjectiveBreakdown
    tiers: TierBreakdown
    inputs: int  # events that count in this evaluation (superseded and trimmed ones do not)
    provisional: bool
    missing: tuple[str, ...]
    composite: float  # 0–100, two decimals; over the present parts when provisional
    stars: int | None  # None while provisional
    follow_up: bool  # complete and below the one-star threshold


def evaluate(
    school_id: str, member_id: str, facts: Sequence[Fact], scope: PeriodScope, rules: Rules
) -> tuple[Evaluation, list[Contribution]]:
    ordered = sorted(facts, key=lambda fact: fact.order)
    objective = tally_objective(ordered, scope, rules)
    tiers = tally_tiers(ordered, scope, rules)
    lines = objective.lines + tiers.lines
    composite, missing = _composite(objective, tiers, rules, scope.period)
    complete = not missing
    evaluation = Evaluation(
        school_id=school_id,
        member_id=member_id,
        period=scope.period.id,
        rules_version=rules.version,
        objective=_objective(objective, rules, scope.period),
        tiers=_tiers(tiers),
        inputs=len({line.event_id for line in lines if line.event_id and line.counted}),
        provisional=not complete,
        missing=missing,
        composite=composite,
        stars=rules.stars.stars(composite) if complete else None,
        follow_up=complete and composite < rules.stars.follow_up_below,
    )
    return evaluation, lines


def _composite(
    objective: ObjectiveTally, tiers: TierTally, rules: Rules, period: Period
) -> tuple[float, tuple[str, ...]]:
    weights = rules.weights
    parts = {
        "objective": (weights.objective, normalised(objective.points, rules, period)),
        "self_assessment": (weights.self_assessment, tiers.self_assessment),
        "peer_public": (weights.peer_public, tiers.peer_public),
        "committee": (weights.committee, tiers.committee),
    }
    missing = tuple(name for name, (_, score) in parts.items() if score is None)
    present = [(w, score) for w, score in parts.values() if score is not None and w > 0]
    total_weight = sum(w for w, _ in present)
    composite = sum(w * s for w, s in present) / total_weight if total_weight else 0.0
    return round(composite, 2), missing


def _objective(tally: ObjectiveTally, rules: Rules, period: Period) -> ObjectiveBreakdown:
    return ObjectiveBreakdown(
        points=round(tally.points, 4),
        normalised=round(normalised(tally.points, rules, period), 4),
        records={k: round(v, 4) for k, v in sorted(tally.records.items())},
        pledges=round(tally.pledges, 4),
        feedback=round(tally.feedback, 4),
        posts=round(tally.posts, 4),
    )


def _tiers(tally: TierTally) -> TierBreakdown:
    def r(score: float | None) -> float | None:
        return None if score is None else round(score, 4)

    return TierBreakdown(
        self_assessment=r(tally.self_assessment),
        peer_public=r(tally.peer_public),
        committee=r(tally.committee),
        peer_public_ballots=tally.ballots,
    )
