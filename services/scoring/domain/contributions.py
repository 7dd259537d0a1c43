"""What one event gave an evaluation, and under which rule: the lines of `Explain`."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.domain.facts import Fact


@dataclass(frozen=True, slots=True)
class Contribution:
    event_id: str
    event_type: str
    part: str  # objective.records.<category>, objective.pledges, tier.self, tier.peer_public…
    amount: float  # points for objective parts, a 0–100 score for tiers
    rule: str  # the rule that applied, in words a committee member can check
    counted: bool = True  # False: shown for completeness, but dropped (trimmed, superseded)

    @classmethod
    def of(
        cls, fact: Fact, part: str, amount: float, rule: str, *, counted: bool = True
    ) -> Contribution:
        return cls(fact.event_id, fact.event_type, part, round(amount, 4), rule, counted)
