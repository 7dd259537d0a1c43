"""Consumer runner: feeds one projection from Kafka, idempotently
(docs/design.md#store-relay-consumers).

Per record, in the projection's own SQLite transaction: a version already applied is a
duplicate (dropped, counted); the next version is applied and recorded; a later one is a gap
(the broker lost data and the relay is republishing): it is skipped, and the partition is read
again from the beginning after a short backoff (offsets past a gap are not committed until
then); dedup makes the replay harmless. (Stopping at the gap instead could loop forever: after
a loss the new log may start with an event whose predecessors come later in the republish.)
A gap that stays open longer than the patience (a version no store wrote: an outside
producer's) is given up on: that record is dead-lettered, not applied, and reading moves on.
A record that does not parse or decode, or that the projection fails on, goes to the
dead-letter topic with the reason (kernel.dead_letters), and consumption goes on; when it is
its stream's next version, that version is marked done, so the stream goes on past it and a
re-read drops it as a duplicate.

Positions: the same transaction keeps, per partition, the next offset and the topic id of the
log it was read from (`log_positions`). A newly assigned partition is sought there when the
topic still has that id, and read from its start otherwise; the group's committed offsets are
never used to position the runner (they are committed after the DB, at most every second, for
the operators' lag tools only): they lag the read model, and after a broker loss they may
belong to a log that is gone. At-least-once, made exactly-once by dedup.

Rebuild: stop the runner, `rebuild()` (or delete the DB file), start again: a new DB file
keeps no positions, so it is fed from the beginning of every partition, and the result is
identical (a fresh group id gives the same result).

The embedded broker (Tansu) is memory-only and quirky; the runner copes:
- it subscribes by pattern: a metadata request naming a topic re-creates it after a broker
  restart, with 4 partitions instead of the configured count;
- a restart also loses the group: kafka-python drops its assignment, and the new one is
  positioned from the kept positions, which name the old topic ids: read from the start (a
  fetch past the end of a shorter log would wait forever: Tansu does not answer it with
  OFFSET_OUT_OF_RANGE);
- a topic replaced under the runner (a new topic id in the metadata, refreshed every
  METADATA_MAX_AGE_MS, or a position past the fetch highwater) is read again from its start:
  its old offsets, held or committed, say nothing about the new log;
- a group join takes about half the session timeout, so while joining it polls for longer.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.structs import MemberState, OffsetAndMetadata

from kernel.database import ReadModelDatabase
from kernel.dead_letters import DeadLetter, reason_of
from kernel.envelope import Envelope
from kernel.events import DomainEvent, EventRegistry
from kernel.projection import LogPosition, Outcome, Projection, ProjectionDb, VersionWatch
from kernel.relay import CLIENT_TIMEOUTS, PRODUCER_TIMEOUTS
from kernel.threads import RETRY_BACKOFF_S, LoopThread
from kernel.topics import DEAD_LETTERS, ensure_topics

__all__ = ["ConsumerRunner", "PartitionProgress", "Projection", "StallWatch"]

log = logging.getLogger("vanguard.consumer")

STABLE_POLL_MS = 100  # bounds how long stop() waits while the group is stable
# How stale the topic metadata may be: a replaced topic (a new id) is noticed within this.
METADATA_MAX_AGE_MS = 2000
COMMIT_INTERVAL_S = 1.0  # offsets are committed at most this often (and on stop, revoke)
# How long a gap may stay open before the record past it is given up on (dead-lettered, not
# applied): a relay republishing after a broker loss fills a real gap well within this; a
# version no store wrote (an outside producer's) never fills, and would have the partition
# read again from its start for ever.
GAP_PATIENCE_S = 60.0
# How many session timeouts the runner may stay out of a stable group before it starts again
# with a new client (a join normally takes half of one; see `StallWatch`).
STALL_SESSIONS = 3


def topic_pattern(topics: Sequence[str]) -> str:
    return "^(?:" + "|".join(re.escape(topic) for topic in topics) + ")$"


@dataclass(frozen=True)
class PartitionProgress:
    """How far the runner has read one partition it holds (for status and lag)."""

    topic: str
    partition: int
    position: int  # the next offset it reads; -1 while it is being positioned
    highwater: int  # the partition's end as of the last fetch; -1 before one


@dataclass
class _Batch:
    """What one poll changed, applied to the runner only once the DB transaction committed."""

    versions: dict[str, int] = field(default_factory=dict)
    commits: dict[TopicPartition, OffsetAndMetadata] = field(default_factory=dict)
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    handled: int = 0


class StallWatch:
    """Tells when the runner has been out of a stable group for longer than `patience_s`.

    Seen after the embedded broker restarted under load: kafka-python's client stayed
    rebalancing for good, its poll spinning (the heartbeat overdue makes every fetch wait zero)
    and starving the process's other clients of the GIL. A new client joins afresh; the read
    model's kept positions make that safe."""

    def __init__(self, patience_s: float) -> None:
        self.patience_s = patience_s
        self._since: float | None = None

    def stalled(self, healthy: bool, now: float) -> bool:
        """Record one poll's outcome; True (once, then it counts again) when the runner has
        been unhealthy for longer than the patience."""
        if healthy:
            self._since = None
            return False
        if self._since is None:
            self._since = now
            return False
        if now - self._since > self.patience_s:
            self._since = None
            return True
        return False


class _Positioner(ConsumerRebalanceListener):
    """Positions every newly assigned partition where the read model stopped in it, never
    where the group's committed offsets say (see `ConsumerRunner._position`)."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner

    def on_partitions_revoked(self, revoked: Any) -> None:
        consumer = self.runner._consumer
        if consumer is not None:  # for the operators' lag tools
            self.runner._flush_commits(consumer)

    def on_partitions_assigned(self, assigned: Any) -> None:
        consumer = self.runner._consumer
        if consumer is not None:
            self.runner._position(consumer, list(assigned))


class ConsumerRunner:
    """Feeds `projection` (its own database: a SQLite file at a path, or a `ReadModelDatabase`)
    from `topics`, in a background thread (`start`/`stop`) or one batch per `poll_once()`
    (tests; not while started).
    Counters: `applied`, `duplicates`, `dead_lettered`, `gaps`."""

    def __init__(
        self,
        servers: str,
        topics: Sequence[str],
        group_id: str,
        projection: Projection,
        db_path: Path | ReadModelDatabase,
        registry: EventRegistry,
        *,
        dead_letter_topic: str = DEAD_LETTERS,
        session_timeout_ms: int = 6000,
        heartbeat_interval_ms: int | None = None,
        fetch_max_wait_ms: int = 200,  # Tansu answers at once when records arrive
        max_poll_records: int = 500,
        gap_backoff_s: float = 0.3,
        gap_patience_s: float = GAP_PATIENCE_S,
        commit_interval_s: float = COMMIT_INTERVAL_S,
    ) -> None:
        self.servers = servers
        self.topics = tuple(topics)
        self.group_id = group_id
        self.projection = projection
        self.db_path = db_path
        self.registry = registry
        self.dead_letter_topic = dead_letter_topic
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms or max(100, session_timeout_ms // 4)
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.max_poll_records = max_poll_records
        self.gap_backoff_s = gap_backoff_s
        self.gap_patience_s = gap_patience_s
        self.commit_interval_s = commit_interval_s
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.gaps = 0  # times a partition was read again from the beginning after a gap
        self.progress: tuple[PartitionProgress, ...] = ()  # as of the last poll
        self._db = ProjectionDb(db_path, projection)
        self._watch = VersionWatch(self._db.versions())
        self._consumer: KafkaConsumer | None = None
        self._listener = _Positioner(self)
        self._rewind_at: dict[TopicPartition, float] = {}  # partitions to read again, when
        # Records past a gap, by place in the log: when first met, and the ones given up on.
        self._gap_since: dict[tuple[TopicPartition, int], float] = {}
        self._gaps_given_up: set[tuple[TopicPartition, int]] = set()
        self._topic_ids: dict[str, Any] = {}  # the log each topic's positions belong to
        # Offsets applied (DB committed) but not yet committed to the group, and when next.
        # Committing late is harmless: a re-read is dropped by dedup (at-least-once).
        self._uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}
        self._next_commit = 0.0
        self._healthy = False
        self._stall = StallWatch(STALL_SESSIONS * session_timeout_ms / 1000)
        self._worker = LoopThread(
            f"consumer {group_id}", f"consumer-{projection.name}", self.poll_once, self._failed
        )

    # -- public ----------------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """The last poll worked and the runner holds a stable share of its topics."""
        return self._healthy

    def start(self) -> None:
        self._worker.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Join the thread (at most one poll away: up to the session timeout while joining)
        and leave the group."""
        self._worker.stop(timeout_s)
        self._close_consumer()

    def close(self) -> None:
        self.stop()
        self._db.close()

    def rebuild(self) -> None:
        """Drop the read model; the next start replays every partition from the beginning.
        Call while stopped."""
        if self._worker.running:
            raise RuntimeError("stop the runner before rebuilding its projection")
        self._close_consumer()
        self._db.drop()
        self._db = ProjectionDb(self.db_path, self.projection)
        self._watch.reset({})
        self.applied = self.duplicates = self.dead_lettered = self.gaps = 0

    def version(self, stream_id: str) -> int:
        """The stream's version as the read model has committed it."""
        return self._watch.version(stream_id)

    def wait_for(self, stream_id: str, version: int, timeout_s: float) -> bool:
        """Block until the read model holds `version` of the stream (read-your-writes)."""
        return self._watch.wait_for(stream_id, version, timeout_s)

    async def wait_until(self, stream_id: str, version: int, timeout_s: float) -> bool:
        """`wait_for` for asyncio handlers: never blocks the event loop."""
        return await self._watch.wait_until(stream_id, version, timeout_s)

    def poll_once(self) -> int:
        """Fetch and handle one batch; returns how many records it handled."""
        consumer = self._consumer_or_new()
        self._rewind_due(consumer)
        records = consumer.poll(
            timeout_ms=self._poll_timeout_ms(consumer), max_records=self.max_poll_records
        )
        handled = self._handle(consumer, records) if records else 0
        self._rewind_replaced(consumer)
        state = consumer.group_metadata().state
        self._healthy = state == MemberState.STABLE and bool(consumer.assignment())
        self.progress = self._progress(consumer)
        if self._stall.stalled(self._healthy, time.monotonic()):
            log.warning(
                "consumer %s: no stable share of %s for %.0f s (group state %s); starting "
                "again with a new client",
                self.group_id,
                ",".join(self.topics),
                self._stall.patience_s,
                state,
            )
            self._close_consumer()
        return handled

    # -- the loop --------------------------------------------------------------------------

    def _failed(self, exc: Exception) -> None:
        self._healthy = False
        log.warning(
            "consumer %s: cannot consume %s at %s (%s: %s); retrying in %.0f s",
            self.group_id,
            ",".join(self.topics),
            self.servers,
            type(exc).__name__,
            exc,
            RETRY_BACKOFF_S,
        )

    def _poll_timeout_ms(self, consumer: KafkaConsumer) -> int:
        """While joining, wait longer than a join takes: kafka-python drops a JoinGroup answer
        that arrives between two polls and joins again, and Tansu answers only after about
        half the session timeout, so short polls could rejoin forever."""
        stable = consumer.group_metadata().state == MemberState.STABLE and consumer.assignment()
        coordinator = getattr(consumer, "_coordinator", None)  # no public "rejoin pending"
        if stable and not (coordinator is not None and coordinator.need_rejoin()):
            return STABLE_POLL_MS
        return self.session_timeout_ms

    # -- records ---------------------------------------------------------------------------

    def _handle(self, consumer: KafkaConsumer, records: dict[TopicPartition, list[Any]]) -> int:
        """Apply one poll in one transaction. First quickly, with no savepoint per event; if an
        event does not decode or its projection fails, that pass is rolled back and the poll
        is applied again carefully (a savepoint per event, the bad ones dead-lettered)."""
        first = {tp: recs[0].offset for tp, recs in records.items() if recs}
        dead_letters = _DeadLetters(self, consumer)
        try:
            try:
                batch = self._apply_poll(records, dead_letters, careful=False)
            except _Stumbled:
                batch = self._apply_poll(records, dead_letters, careful=True)
        except Exception:
            self._seek_back(consumer, first)  # nothing of this poll counted: read it again
            raise
        finally:
            dead_letters.close()
        self.applied += batch.applied
        self.duplicates += batch.duplicates
        self.dead_lettered += batch.dead_lettered
        self._watch.advance(batch.versions)
        if batch.commits:
            self._uncommitted.update(batch.commits)
            if time.monotonic() >= self._next_commit:
                self._flush_commits(consumer)
        return batch.handled

    def _apply_poll(
        self, records: dict[TopicPartition, list[Any]], dead_letters: _DeadLetters, *, careful: bool
    ) -> _Batch:
        batch = _Batch()
        with self._db.transaction():
            for tp, recs in records.items():
                for record in recs:
                    self._handle_record(tp, record, batch, dead_letters, careful)
                batch.handled += len(recs)
                if recs and tp not in self._rewind_at:  # past a gap, commit nothing yet
                    batch.commits[tp] = OffsetAndMetadata(recs[-1].offset + 1, "", -1)
                    topic_id = self._topic_ids.get(tp.topic)
                    if topic_id is not None:  # else: read from the start when next assigned
                        at = LogPosition(str(topic_id), recs[-1].offset + 1)
                        self._db.keep_position(tp.topic, tp.partition, at)
        return batch

    def _flush_commits(self, consumer: KafkaConsumer) -> None:
        """Commit the offsets applied so far; then wait `commit_interval_s` for the next: a
        synchronous commit per poll costs a round trip and much of the GIL."""
        self._next_commit = time.monotonic() + self.commit_interval_s
        if self._uncommitted:
            offsets, self._uncommitted = self._uncommitted, {}
            self._commit(consumer, offsets)

    def _handle_record(
        self,
        tp: TopicPartition,
        record: Any,
        batch: _Batch,
        dead_letters: _DeadLetters,
        careful: bool,
    ) -> Outcome | None:
        try:
            envelope = Envelope.from_json(record.value or b"")
        except Exception as exc:  # not JSON, not an envelope: unreadable
            if not careful:
                raise _Stumbled from exc
            dead_letters.send(tp, record, reason_of("undecodable", exc))
            batch.dead_lettered += 1
            return None
        outcome = self._db.order_of(envelope)  # before decoding: a duplicate needs none
        if outcome is None:
            outcome = self._decode_and_apply(tp, record, envelope, dead_letters, careful)
        if self._gap_since and outcome is not Outcome.GAP:  # a gap it stood past has filled
            self._gap_since.pop((tp, record.offset), None)
        if outcome is Outcome.GAP and self._gap_is_hopeless(tp, record, envelope, careful):
            if (tp, record.offset) not in self._gaps_given_up:  # else: the verdict was given
                self._gaps_given_up.add((tp, record.offset))
                reason = (
                    f"gap: v{envelope.stream_version} follows "
                    f"v{self._db.applied_version(envelope.stream_id)} and the versions between "
                    f"did not come within {self.gap_patience_s:g} s"
                )
                dead_letters.send(tp, record, reason, envelope)
                batch.dead_lettered += 1
            return None
        if outcome is Outcome.GAP:
            self._schedule_rewind(
                tp,
                f"{envelope.stream_id} v{envelope.stream_version} at offset {record.offset} "
                f"follows v{self._db.applied_version(envelope.stream_id)}",
            )
            return outcome
        if outcome is Outcome.DUPLICATE:
            batch.duplicates += 1
        elif outcome is Outcome.APPLIED:
            batch.applied += 1
        else:
            batch.dead_lettered += 1
        batch.versions[envelope.stream_id] = max(
            envelope.stream_version, batch.versions.get(envelope.stream_id, 0)
        )
        return outcome

    def _gap_is_hopeless(
        self, tp: TopicPartition, record: Any, envelope: Envelope, careful: bool
    ) -> bool:
        """The record has stood past the same gap for longer than the patience (or was given
        up on before, and is met again on a re-read). Decided in the careful pass only, so
        the letter is sent once."""
        place = (tp, record.offset)
        if place in self._gaps_given_up:
            return True
        since = self._gap_since.setdefault(place, time.monotonic())
        if time.monotonic() - since <= self.gap_patience_s:
            return False
        if not careful:
            raise _Stumbled(f"{envelope.stream_id}: a gap that never filled")
        return True

    def _decode_and_apply(
        self,
        tp: TopicPartition,
        record: Any,
        envelope: Envelope,
        dead_letters: _DeadLetters,
        careful: bool,
    ) -> Outcome | None:
        """The next version of its stream: decode and apply it. Unknown type, invalid data,
        or a projection that fails on it: dead-lettered (careful pass), and its version is
        marked done so the stream goes on past it, and a replay drops it as a duplicate."""
        try:
            event = self.registry.decode(envelope)
        except Exception as exc:
            if not careful:
                raise _Stumbled from exc
            dead_letters.send(tp, record, reason_of("undecodable", exc), envelope)
            self._db.mark(envelope)
            return None
        if careful:
            return self._apply(tp, record, envelope, event, dead_letters)
        try:
            return self._db.apply(envelope, event, isolated=False)
        except Exception as exc:
            raise _Stumbled from exc

    def _apply(
        self,
        tp: TopicPartition,
        record: Any,
        envelope: Envelope,
        event: DomainEvent,
        dead_letters: _DeadLetters,
    ) -> Outcome | None:
        try:
            return self._db.apply(envelope, event)
        except Exception as exc:
            # A projection bug must not stall every later event: park this one with the
            # dead letters and step over it (its stream goes on).
            log.exception(
                "consumer %s: projection %s failed on %s",
                self.group_id,
                self.projection.name,
                envelope.event_id,
            )
            dead_letters.send(tp, record, reason_of("apply failed", exc), envelope)
            self._db.mark(envelope)
            return None

    def _commit(
        self, consumer: KafkaConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]
    ) -> None:
        assigned = consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        try:
            consumer.commit(offsets)
        except Exception as exc:  # a rebalance: the next owner re-reads, dedup drops it
            log.info("consumer %s: offset commit failed (%s); harmless", self.group_id, exc)

    def _seek_back(self, consumer: KafkaConsumer, first: dict[TopicPartition, int]) -> None:
        assigned = consumer.assignment()
        for tp, offset in first.items():
            if tp in assigned:
                consumer.seek(tp, offset)

    # -- positions, gaps and lost data -----------------------------------------------------

    def _position(self, consumer: KafkaConsumer, tps: list[TopicPartition]) -> None:
        """Seek each newly assigned partition where the read model stopped in it: the offset
        kept with the records it applied, when they came from the log the topic holds now (the
        same topic id). Otherwise the log is new to the read model (a new file, a rebuild, a
        broker that lost its logs, a topic made again) and is read from its start: dedup drops
        what was applied already. The group's committed offsets are never used: they lag the
        read model, and may belong to a log that is gone (a broker that restarted empty takes
        the commits of a runner still holding offsets in the old log)."""
        cluster = consumer._client.cluster
        self._db.reload()  # another replica may have applied in these partitions
        from_start = []
        for tp in tps:
            topic_id = cluster.topic_id(tp.topic)
            kept = self._db.position(tp.topic, tp.partition)
            if topic_id is not None:
                self._topic_ids[tp.topic] = topic_id
            if topic_id is not None and kept is not None and kept.topic_id == str(topic_id):
                consumer.seek(tp, kept.next_offset)
            else:
                from_start.append(tp)
        if from_start:
            consumer.seek_to_beginning(*from_start)

    def _schedule_rewind(self, tp: TopicPartition, gap: str) -> None:
        """Read the partition again from the beginning after a backoff (the relay needs a
        moment to republish what is missing). Meanwhile reading goes on: other streams are
        unaffected, and a republish brings this stream's later events again, in order."""
        if tp in self._rewind_at:
            return
        log.warning(
            "consumer %s: gap on %s:%s (%s): the broker lost data? reading the partition "
            "again from the beginning in %.1f s",
            self.group_id,
            tp.topic,
            tp.partition,
            gap,
            self.gap_backoff_s,
        )
        self.gaps += 1
        self._rewind_at[tp] = time.monotonic() + self.gap_backoff_s

    def _rewind_replaced(self, consumer: KafkaConsumer) -> None:
        """A partition whose log was replaced (the broker lost it, or a topic a client had
        auto-created was deleted and made again) is read again from its beginning: dedup drops
        what the runner had applied, and nothing the new log holds below the old position is
        skipped. Two signs, either enough: the topic's id changed (even when the new log is
        already longer than the old position), or the position is past the highwater of the
        last fetch (Tansu never answers such a fetch with OFFSET_OUT_OF_RANGE: the runner would
        wait there)."""
        cluster = consumer._client.cluster
        assigned = consumer.assignment()
        for topic in {tp.topic for tp in assigned}:
            topic_id = cluster.topic_id(topic)
            if topic_id is None:  # not in the metadata yet
                continue
            known = self._topic_ids.get(topic)
            self._topic_ids[topic] = topic_id
            if known is not None and known != topic_id:
                self._read_again(
                    consumer, [tp for tp in assigned if tp.topic == topic], "was made again"
                )
        for tp in assigned:
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = self._held_position(consumer, tp)
            if position is not None and position > highwater:
                why = f"is at offset {position}, past its end ({highwater})"
                self._read_again(consumer, [tp], why)

    def _progress(self, consumer: KafkaConsumer) -> tuple[PartitionProgress, ...]:
        progress = []
        for tp in sorted(consumer.assignment()):
            position = self._held_position(consumer, tp)
            highwater = consumer.highwater(tp)
            progress.append(
                PartitionProgress(
                    tp.topic,
                    tp.partition,
                    -1 if position is None else position,
                    -1 if highwater is None else highwater,
                )
            )
        return tuple(progress)

    @staticmethod
    def _held_position(consumer: KafkaConsumer, tp: TopicPartition) -> int | None:
        """The position as the client holds it (consumer.position() could block to fetch one)."""
        state = consumer._subscription.assignment.get(tp)
        position = state.position if state is not None else None
        return None if position is None else int(position.offset)

    def _read_again(self, consumer: KafkaConsumer, tps: list[TopicPartition], why: str) -> None:
        for tp in tps:
            log.warning(
                "consumer %s: %s:%s %s: the log was replaced; reading it again from the start",
                self.group_id,
                tp.topic,
                tp.partition,
                why,
            )
            self._uncommitted.pop(tp, None)  # offsets in the old log mean nothing in the new
            self._forget_gaps(tp)
        self.gaps += 1
        consumer.seek_to_beginning(*tps)

    def _forget_gaps(self, tp: TopicPartition) -> None:
        """Places in a log that was replaced mean nothing in the new one."""
        for place in [p for p in self._gap_since if p[0] == tp]:
            del self._gap_since[place]
        self._gaps_given_up = {p for p in self._gaps_given_up if p[0] != tp}

    def _rewind_due(self, consumer: KafkaConsumer) -> None:
        now = time.monotonic()
        assigned = consumer.assignment()
        for tp, when in list(self._rewind_at.items()):
            if tp not in assigned:
                del self._rewind_at[tp]
            elif now >= when:
                del self._rewind_at[tp]
                consumer.seek_to_beginning(tp)

    # -- clients ---------------------------------------------------------------------------

    def _consumer_or_new(self) -> KafkaConsumer:
        if self._consumer is None:
            consumer = KafkaConsumer(
                bootstrap_servers=self.servers,
                client_id=f"vanguard-{self.group_id}",
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                fetch_max_wait_ms=self.fetch_max_wait_ms,
                session_timeout_ms=self.session_timeout_ms,
                heartbeat_interval_ms=self.heartbeat_interval_ms,
                max_poll_records=self.max_poll_records,
                allow_auto_create_topics=False,
                metadata_max_age_ms=METADATA_MAX_AGE_MS,
                **CLIENT_TIMEOUTS,
            )
            consumer.subscribe(pattern=topic_pattern(self.topics), listener=self._listener)
            self._consumer = consumer
        return self._consumer

    def _close_consumer(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                self._flush_commits(consumer)
                consumer.close(autocommit=False, timeout_ms=2000)
            except Exception:  # closing against a dead broker must not mask anything
                log.debug("consumer %s: error on close", self.group_id, exc_info=True)
        self._rewind_at.clear()
        self._uncommitted.clear()


class _Stumbled(Exception):
    """The quick pass met an event it cannot apply: roll back, apply the poll carefully."""


class _DeadLetters:
    """Produces unreadable records to the dead-letter topic, acknowledged before the source
    offset is committed. Its producer lives for one poll only: a long-lived one would refresh
    metadata for the topic by name, and so re-create it after a broker restart."""

    def __init__(self, runner: ConsumerRunner, consumer: KafkaConsumer) -> None:
        self.runner = runner
        self.consumer = consumer
        self.producer: KafkaProducer | None = None

    def send(
        self, tp: TopicPartition, record: Any, reason: str, envelope: Envelope | None = None
    ) -> None:
        runner = self.runner
        log.warning(
            "consumer %s: dead-lettering %s:%s@%s: %s",
            runner.group_id,
            tp.topic,
            tp.partition,
            record.offset,
            reason,
        )
        letter = DeadLetter(
            reason=reason,
            source_topic=tp.topic,
            source_partition=tp.partition,
            source_offset=record.offset,
            consumer=runner.group_id,
            event_id="" if envelope is None else str(envelope.event_id),
        )
        future = self._producer().send(
            runner.dead_letter_topic,
            value=record.value if record.value is not None else b"",
            key=record.key,
            headers=letter.headers(),
        )
        future.get(timeout=10)

    def _producer(self) -> KafkaProducer:
        if self.producer is None:
            self._ensure_topic()
            self.producer = KafkaProducer(
                bootstrap_servers=self.runner.servers,
                client_id=f"vanguard-{self.runner.group_id}-dlq",
                acks="all",
                enable_idempotence=True,
                allow_auto_create_topics=False,
                **CLIENT_TIMEOUTS,
                **PRODUCER_TIMEOUTS,
            )
        return self.producer

    def _ensure_topic(self) -> None:
        """Create the dead-letter topic when missing, with the partition count of the source
        topics (every topic has the same). `topics()` asks for all topics: no auto-create."""
        if self.runner.dead_letter_topic in self.consumer.topics():
            return
        counts = {len(self.consumer.partitions_for_topic(t)) for t in self.runner.topics}
        count = max(counts - {0}, default=1)
        ensure_topics(
            self.runner.servers, (self.runner.dead_letter_topic,), partitions=count, timeout_s=5.0
        )

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=5)
            self.producer = None
