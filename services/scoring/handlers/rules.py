"""Adopting rules versions (scoring.domain.adoption) and taking in those adopted before: from the
journal and the rules topic at start, from the topic as they arrive.

An adoption is decided under the lock the inputs are applied under, so no fact is scored
between the check (no period it reaches is scored or closed) and the rulebook taking the
version. It is acknowledged once it is in the journal (on disk), then sent to the rules topic
with the delivery care of every output (re-sent when the broker refuses it)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from contracts.periods import Period
from kernel.envelope import Actor, Envelope, utcnow
from kernel.errors import Unavailable
from scoring.domain.adoption import (
    adoption_of,
    candidate_of,
    check_effective_from,
    known_as,
    rules_adopted,
)
from scoring.domain.rulebook import RuleBook
from scoring.handlers.state import Partitions, Tables
from scoring.scorer import Scorer

log = logging.getLogger("vanguard.scoring")


class Journal(Protocol):
    """What the handler writes an adoption to before it answers (scoring.adapters.rules_journal)."""

    def append(self, envelope: Envelope) -> None: ...


@dataclass
class RulesHandler:
    scorer: Scorer
    tables: Tables
    partitions: Partitions
    journal: Journal
    send: Callable[[Envelope], Awaitable[object]]  # to the rules topic, once
    today: Callable[[], date] = field(default=date.today)

    @property
    def rulebook(self) -> RuleBook:
        return self.scorer.rulebook

    def take(self, envelopes: Iterable[Envelope]) -> int:
        """Adoptions read from the journal or the topic; how many were new. One that does not
        decode is skipped, saying so (anyone may write to a topic)."""
        taken = 0
        for envelope in envelopes:
            try:
                adoption = adoption_of(envelope)
            except Exception as exc:
                log.warning("skipped RulesAdopted %s: %s", envelope.event_id, exc)
                continue
            if self.rulebook.adopt(envelope.school_id, adoption):
                taken += 1
        return taken

    async def adopt(
        self, school_id: str, rules_json: str, actor: Actor, correlation_id: str
    ) -> tuple[str, bool]:
        """Adopt the version `rules_json` holds: its name, and whether it was known already
        (the same document adopted before, or shipped)."""
        if not self.partitions.replayed.is_set():
            raise Unavailable("scoring is still replaying its inputs; ask again shortly")
        candidate = candidate_of(rules_json)
        async with self.partitions.applying:
            if known_as(self.rulebook, school_id, candidate):
                return candidate.version, True
            check_effective_from(candidate, self.today(), self.settled(school_id))
            envelope = rules_adopted(
                school_id,
                candidate,
                stream_version=len(self.rulebook.adopted(school_id)) + 1,
                adopted_by=actor,
                at=utcnow(),
                correlation_id=correlation_id,
            )
            self.journal.append(envelope)
            self.rulebook.adopt(school_id, adoption_of(envelope))
        try:
            await self.send(envelope)
        except Exception as exc:  # in force and journalled: the next start sends it
            log.warning(
                "RulesAdopted %s not sent (%s); sent at the next start", envelope.event_id, exc
            )
        log.info("rules %s adopted for %s by %s", candidate.version, school_id, actor.id)
        return candidate.version, False

    def settled(self, school_id: str) -> Iterator[Period]:
        """The school's periods scored (an evaluation emitted) or closed, on this worker."""
        for ledgers in list(self.tables.ledgers_by_member.values()):
            ledger = ledgers.get(school_id)
            if ledger is not None:
                for period_id in ledger.emitted:
                    yield self.scorer.scope(period_id).period
        for collection in list(self.tables.publications_by_period.values()):
            if collection.close.school_id == school_id:
                yield self.scorer.scope(collection.close.period).period
