"""Feed envelopes to a scorer and read a member's evaluation back; keep the roster beside."""

from __future__ import annotations

from collections.abc import Iterable

from kernel.envelope import Envelope
from scoring.domain.evaluation import Evaluation
from scoring.domain.ledger import MemberLedger
from scoring.domain.roster import MemberRoster, roster_event_of
from scoring.scorer import Scorer
from unit.scoring.story import SCHOOL


class Members:
    """Every member's ledgers and roster events (one school), as the faust tables would hold
    them."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.ledgers: dict[str, dict[str, MemberLedger]] = {}
        self.rosters: dict[str, MemberRoster] = {}
        self.sent: list[Envelope] = []

    def feed(self, *envelopes: Envelope) -> list[Envelope]:
        sent: list[Envelope] = []
        for envelope in envelopes:
            key = envelope.partition_key
            sent += self.scorer.apply(self.ledgers.setdefault(key, {}), envelope)
            if (event := roster_event_of(envelope)) is not None:
                roster = self.rosters.get(key) or MemberRoster(envelope.school_id, key)
                self.rosters[key] = roster.with_event(event)
        self.sent += sent
        return sent

    def ledger(self, member: str) -> MemberLedger:
        return self.ledgers[member][SCHOOL]

    def evaluation(self, member: str, period: str = "2026-10") -> Evaluation:
        return self.scorer.evaluate(self.ledger(member), period)[0]

    def ledger_or_none(self, member: str) -> MemberLedger | None:
        return self.ledgers.get(member, {}).get(SCHOOL)

    def all_ledgers(self) -> Iterable[MemberLedger]:
        return [by_school[SCHOOL] for by_school in self.ledgers.values() if SCHOOL in by_school]
