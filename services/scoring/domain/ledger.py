"""A member's ledger in one school: the facts that can move their evaluations (each once, by
event id) in the order they were applied, and what has been emitted for each period.

`emitted` keeps, per period, one mark per EvaluationUpdated version: the fact that caused it
(its index in `facts`) and a hash of its content. A version can therefore be rebuilt exactly
from the facts up to its cause — which is how a redelivered event re-sends what it caused
when a crash came between saving the ledger and sending the update.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from scoring.domain.facts import Fact


@dataclass(frozen=True, slots=True)
class Mark:
    version: int
    cause: int  # index of the causing fact in the ledger's facts
    content_hash: str


@dataclass
class MemberLedger:
    school_id: str
    member_id: str
    facts: list[Fact] = field(default_factory=list)
    emitted: dict[str, list[Mark]] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {fact.event_id: i for i, fact in enumerate(self.facts)}

    def index_of(self, event_id: str) -> int | None:
        return self._index.get(event_id)

    def add(self, fact: Fact) -> int | None:
        """Append a new fact and return its index; None when the event was applied before."""
        if fact.event_id in self._index:
            return None
        self.facts.append(fact)
        self._index[fact.event_id] = len(self.facts) - 1
        return len(self.facts) - 1

    def copy(self) -> MemberLedger:
        """A working copy to apply one fact to: it replaces this ledger only once the whole
        fact applied, so a fact that fails half way changes nothing."""
        return MemberLedger(
            self.school_id,
            self.member_id,
            list(self.facts),
            {period: list(marks) for period, marks in self.emitted.items()},
        )

    def facts_up_to(self, index: int) -> list[Fact]:
        return self.facts[: index + 1]

    def last_mark(self, period_id: str) -> Mark | None:
        marks = self.emitted.get(period_id)
        return marks[-1] if marks else None

    def mark(self, period_id: str, cause: int, content_hash: str) -> Mark:
        mark = Mark(len(self.emitted.get(period_id, ())) + 1, cause, content_hash)
        self.emitted.setdefault(period_id, []).append(mark)
        return mark

    def marks_caused_by(self, index: int) -> list[tuple[str, Mark]]:
        return [
            (period_id, mark)
            for period_id, marks in sorted(self.emitted.items())
            for mark in marks
            if mark.cause == index
        ]

    # -- storage ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "school_id": self.school_id,
            "member_id": self.member_id,
            "facts": [fact.to_dict() for fact in self.facts],
            "emitted": {
                period: [[m.version, m.cause, m.content_hash] for m in marks]
                for period, marks in self.emitted.items()
            },
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> MemberLedger:
        return cls(
            raw["school_id"],
            raw["member_id"],
            [Fact.from_dict(fact) for fact in raw["facts"]],
            {p: [Mark(*m) for m in marks] for p, marks in raw["emitted"].items()},
        )


def dump_ledgers(ledgers: dict[str, MemberLedger]) -> bytes:
    """One table value: every school's ledger of one member key."""
    return json.dumps({school: ledger.to_dict() for school, ledger in ledgers.items()}).encode()


def load_ledgers(raw: bytes | None) -> dict[str, MemberLedger]:
    if not raw:
        return {}
    return {school: MemberLedger.from_dict(value) for school, value in json.loads(raw).items()}
