"""Feed envelopes to a scorer and read a member's evaluation back."""

from __future__ import annotations

from collections.abc import Iterable

from kernel.envelope import Envelope
from scoring.domain.evaluation import Evaluation
from scoring.domain.ledger import MemberLedger
from scoring.scorer import Scorer
from unit.scoring.story import SCHOOL


class Members:
    """Every member's ledgers, as the faust table would hold them."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.ledgers: dict[str, dict[str, MemberLedger]] = {}
        self.sent: list[Envelope] = []

    def feed(self, *envelopes: Envelope) -> list[Envelope]:
        sent: list[Envelope] = []
        for envelope in envelopes:
            key = envelope.partition_key
            sent += self.scorer.apply(self.ledgers.setdefault(key, {}), envelope)
        self.sent += sent
        return sent

    def ledger(self, member: str) -> MemberLedger:
        return self.ledgers[member][SCHOOL]

    def evaluation(self, member: str, period: str = "2026-10") -> Evaluation:
        return self.scorer.evaluate(self.ledger(member), period)[0]

    def all_ledgers(self) -> Iterable[MemberLedger]:
        return [by_school[SCHOOL] for by_school in self.ledgers.values() if SCHOOL in by_school]
