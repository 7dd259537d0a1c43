"""The inputs agent's job: score members as archives and pledges events arrive, merged per
partition in a deterministic order (scoring.stream.merge). An event is applied to the tables
all or nothing; a PeriodClosed also asks every partition about the close (close_requests).

Every start replays the input topics from their beginning (scoring.adapters.faust_app): the
tables are rebuilt, and what the evaluations topic already holds is not sent again
(scoring.adapters.emitted). A period seen closed gets no more EvaluationUpdated (frozen
closes); a fact recorded under an upheld appeal (`appeal_id`) for a published period makes
scoring amend the publication (scoring.stream.closing, `amendments_due`).

A message that cannot be applied changes no table and goes to the dead-letter topic
(scoring.adapters.dead_letters); the agent goes on."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from kernel.envelope import Envelope
from scoring.domain.publication import Close
from scoring.domain.roster import MemberRoster, roster_event_of
from scoring.handlers.ports import INPUTS, DeadLetters, Delivery, Outputs, park
from scoring.handlers.state import Partitions, Tables, amend
from scoring.scorer import Scorer
from scoring.stream.closing import Collection, close_of
from scoring.stream.merge import Origin
from scoring.stream.progress import PartitionProgress

log = logging.getLogger("vanguard.scoring")


@dataclass
class InputsHandler:
    archives_topic: str
    scorer: Scorer
    tables: Tables
    partitions: Partitions
    outputs: Outputs
    dead_letters: DeadLetters
    request_close: Callable[[Close], Awaitable[None]]

    def replay_from_start(self, partitions: set[int]) -> None:
        """The partitions are read again from their beginning: forget what was delivered."""
        for partition in partitions:
            self.partitions.merges.reset(partition)
        self.partitions.replayed.clear()

    async def deliver(self, delivery: Delivery) -> None:
        merge = self.partitions.merges.of(delivery.partition)
        try:
            envelope: Envelope | None = Envelope.from_json(delivery.value)
        except ValueError as exc:
            envelope = None
            await park(self.dead_letters, exc, INPUTS, delivery, what="undecodable")
        origin = Origin(delivery.offset, delivery.key, delivery.value)
        merge.arrive(delivery.topic, delivery.offset, envelope, origin)
        await self.release(delivery.partition)

    async def release_waiting(self) -> None:
        """Events held for the other topic go once it is caught up (its fetch came back
        empty)."""
        for merge in self.partitions.merges.pending():
            await self.release(merge.partition)

    def note_replayed(self, assigned: set[int]) -> None:
        """The replay has reached the end of every assigned input partition: SERVING."""
        partitions = self.partitions
        if assigned and partitions.merges.caught_up(assigned, partitions.fetch_state):
            partitions.replayed.set()

    async def release(self, partition: int) -> None:
        async with self.partitions.applying:
            merge = self.partitions.merges.of(partition)
            for topic, envelope, origin in merge.release(self.partitions.fetch_state):
                await self._apply(partition, topic, envelope, origin)

    async def _apply(
        self, partition: int, topic: str, envelope: Envelope, origin: Origin | None
    ) -> None:
        progress = self.progress_of(partition)
        if topic == self.archives_topic:
            progress.note_archives(envelope.position)
        else:
            progress.note_pledges(envelope)
        published = await self.outputs.published_closes()
        try:  # the one guard: an event that cannot be applied changes no table
            close, updates = self._decide(topic, envelope, published)
        except Exception as exc:
            await self.dead_letters.park(
                exc,
                "cannot apply",
                consumer=INPUTS,
                source_topic=topic,
                partition=partition,
                offset=-1 if origin is None else origin.offset,
                key=None if origin is None else origin.key,
                value=envelope.to_json() if origin is None else origin.value,
                event_id=str(envelope.event_id),
            )
            return
        if close is not None:
            key = f"{close.school_id}/{close.period}"
            publications = self.tables.publications_by_period
            if publications.get(key) is None:  # kept from the request on: ask_again
                publications[key] = Collection(close)  # repeats a refused request
            await self.request_close(close)
        for update in updates:
            await self.outputs.emit(update)
        if envelope.data.get("appeal_id"):  # an upheld appeal's fact: amend what it changes
            await self._amend(envelope)

    async def _amend(self, envelope: Envelope) -> None:
        """The fact is applied (its ledger kept): an amendment that fails is logged and owed
        still — the next appeal fact of the member, or the next rebuild, issues it."""
        member_id = envelope.data.get("member_id")
        for collection in list(self.tables.publications_by_period.values()):
            if collection.issued and collection.close.school_id == envelope.school_id:
                try:
                    await amend(self.scorer, self.tables, collection, self.outputs, str(member_id))
                except Exception:
                    log.exception("cannot amend %s/%s", envelope.school_id, collection.close.period)

    def _decide(
        self, topic: str, envelope: Envelope, published: Mapping[str, Close]
    ) -> tuple[Close | None, list[Envelope]]:
        """Apply the event to the tables, all or nothing (it raises having changed nothing):
        the close to request, if it is one, and the evaluation updates to send."""
        close = None
        if topic == self.archives_topic and envelope.event_type == "PeriodClosed":
            close = close_of(envelope)
        return close, self._score(envelope, published)

    def progress_of(self, partition: int) -> PartitionProgress:
        """What the partition has applied, for the publication watermark. Every archives
        position delivered on it must be noted, also one that is dead-lettered: a close waits
        for all."""
        by_partition = self.tables.archives_progress_by_partition
        progress = by_partition.get(partition)
        if progress is None:
            progress = by_partition[partition] = PartitionProgress()
        return progress

    def _close(self, school_id: str, period: str, published: Mapping[str, Close]) -> Close | None:
        """The close of a period scoring has seen closed or published: it gets no more
        updates."""
        key = f"{school_id}/{period}"
        collection = self.tables.publications_by_period.get(key)
        return published.get(key) if collection is None else collection.close

    def _enrolled(self, envelope: Envelope) -> MemberRoster | None:
        """The member's roster with this event, when it is a roster event (raises, having
        changed nothing, when it cannot be read)."""
        event = roster_event_of(envelope)
        if event is None:
            return None
        member_id = str(envelope.data["member_id"])
        known = (self.tables.roster_by_member.get(member_id) or {}).get(envelope.school_id)
        roster = known or MemberRoster(envelope.school_id, member_id)
        return roster.with_event(event)

    def _score(self, envelope: Envelope, published: Mapping[str, Close]) -> list[Envelope]:
        member_id = envelope.data.get("member_id")
        if not isinstance(member_id, str):
            return []
        enrolled = self._enrolled(envelope)
        ledgers = self.tables.ledgers_by_member.get(member_id)
        fresh = ledgers is None
        ledgers = {} if ledgers is None else ledgers
        updates = self.scorer.apply(  # raises having changed no ledger
            ledgers, envelope, lambda period: self._close(envelope.school_id, period, published)
        )
        if fresh and ledgers:
            self.tables.ledgers_by_member[member_id] = ledgers
        if enrolled is not None:
            schools = self.tables.roster_by_member.get(member_id) or {}
            self.tables.roster_by_member[member_id] = {**schools, envelope.school_id: enrolled}
        return updates
