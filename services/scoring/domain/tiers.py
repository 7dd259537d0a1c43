"""The three tiers (三级考评) of one member in one period, from AssessmentSubmitted facts that
name the period. A submission's score is the mean of its four lead scores. Tier 1 and tier 3:
the latest submission supersedes. Tier 2 (peer and public): the latest per ballot; at least
`min_reviewers` ballots, and from `trim_threshold` on the highest and lowest are dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from contracts.vocabulary import Tier
from scoring.domain.contributions import Contribution
from scoring.domain.facts import Fact
from scoring.domain.rules import Rules
from scoring.domain.scope import PeriodScope


@dataclass
class TierTally:
    self_assessment: float | None = None
    peer_public: float | None = None
    committee: float | None = None
    ballots: int = 0  # peer/public ballots in force (before trimming)
    lines: list[Contribution] = field(default_factory=list)


def ballot_score(fact: Fact) -> float:
    scores = [float(value) for value in fact.data["scores"].values()]
    return sum(scores) / len(scores)


def tally_tiers(facts: Sequence[Fact], scope: PeriodScope, rules: Rules) -> TierTally:
    named = [
        f for f in facts if f.event_type == "AssessmentSubmitted" and scope.names(f.data["period"])
    ]
    tally = TierTally()
    tally.self_assessment = _latest(named, Tier.SELF, "tier.self", tally)
    tally.committee = _latest(named, Tier.COMMITTEE, "tier.committee", tally)
    tally.peer_public = _peer_public(named, rules, tally)
    return tally


def _latest(facts: Sequence[Fact], tier: Tier, part: str, tally: TierTally) -> float | None:
    mine = [f for f in facts if f.data["tier"] == tier.value]
    for fact in mine[:-1]:
        tally.lines.append(
            Contribution.of(
                fact, part, ballot_score(fact), "superseded by a later one", counted=False
            )
        )
    if not mine:
        return None
    score = ballot_score(mine[-1])
    tally.lines.append(Contribution.of(mine[-1], part, score, "latest submission: mean of 4 leads"))
    return score


def _peer_public(facts: Sequence[Fact], rules: Rules, tally: TierTally) -> float | None:
    latest: dict[str, Fact] = {}
    for fact in facts:
        if fact.data["tier"] in (Tier.PEER.value, Tier.PUBLIC.value):
            latest[fact.data["ballot_id"]] = fact
    ballots = sorted(latest.values(), key=lambda f: (ballot_score(f), f.order))
    tally.ballots = len(ballots)
    trimmed = len(ballots) >= rules.trim_threshold
    kept = ballots[1:-1] if trimmed else ballots
    for fact in ballots:
        counted = fact in kept
        rule = _ballot_rule(counted, len(ballots), rules)
        tally.lines.append(
            Contribution.of(fact, "tier.peer_public", ballot_score(fact), rule, counted=counted)
        )
    if len(ballots) < rules.min_reviewers:
        return None
    return sum(ballot_score(f) for f in kept) / len(kept)


def _ballot_rule(counted: bool, ballots: int, rules: Rules) -> str:
    if ballots < rules.min_reviewers:
        return f"{ballots} of at least {rules.min_reviewers} ballots: tier not yet scored"
    if not counted:
        return (
            f"dropped: highest or lowest of {ballots} ballots (trimmed from {rules.trim_threshold})"
        )
    return f"ballot: mean of 4 leads, averaged over {ballots} ballots"
