"""Outbox relay: publishes the store's global order to one topic
(docs/design.md#store-relay-consumers).

The cursor advances only after the broker acknowledged every record of a batch, so a relay
killed at any instant resumes from its checkpoint and at worst publishes duplicates, which
consumers drop.

The embedded broker (Tansu) keeps everything in memory: a restart loses every topic. The relay
notices three ways and then republishes from position 0:

a. the topic is missing: it is recreated explicitly with the configured partition count.
   Sends go only to a topic found present at most `topic_check_interval_s` before (Tansu
   would auto-create a missing one with 4 partitions): the check describes every topic, so
   while sends succeed it runs at most that often, and always before a new producer's first
   send (after an error, a recovery or a start). A restart inside that window shows as (b),
   or as an ack on a partition beyond the configured count, and the next check replaces the
   auto-created topic before anything is published again.
b. an acknowledged offset is not above the last one acknowledged on that partition. What was
   just acknowledged is then debris at the head of a new topic: a batch the producer had in
   flight retried into it, ahead of the republish. Consumers that count store positions or
   merge topics by time would meet events out of order, so the topic is replaced (deleted and
   made again, empty) before anything is republished; a relay killed in between replaces it
   when it starts (the checkpoint says so).
c. when idle, every `verify_interval_s`: the record at the last acknowledged offset of each
   partition no longer carries the event id we published there.

`end_offsets` is useless for this on Tansu (it answers the start of the last batch).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    KafkaTimeoutError,
    OutOfOrderSequenceNumberError,
    UnknownProducerIdError,
    UnknownTopicOrPartitionError,
)
from kafka.producer.future import RecordMetadata

from kernel.envelope import Envelope
from kernel.store.lease import LEASE_RETRY_S, RelayLease
from kernel.store.port import EventStore
from kernel.threads import RETRY_BACKOFF_S, LoopThread
from kernel.topics import ensure_topics, partition_count, replace_topics

log = logging.getLogger("vanguard.relay")

# Client timeouts: a broker that is down must surface as an error within seconds (the loop
# retries), never as a thread blocked for the kafka-python defaults (30-120 s).
CLIENT_TIMEOUTS: dict[str, int] = {
    "bootstrap_timeout_ms": 3000,
    "request_timeout_ms": 5000,
    "reconnect_backoff_max_ms": 1000,
}
PRODUCER_TIMEOUTS: dict[str, int] = {"max_block_ms": 5000, "delivery_timeout_ms": 10000}
FLUSH_TIMEOUT_S = 15.0
VERIFY_FETCH_S = 1.0  # how long the record at an acknowledged offset may take to come back
EMPTY_PROBE_S = 0.3  # how long an empty topic stays silent before we believe it empty
TOPIC_CHECK_INTERVAL_S = 1.0  # (a) at most this often while sends succeed
IDLE_WAIT_S = 0.25  # the longest an idle relay that the store wakes on append sleeps
LINGER_S = 0.005  # after a short batch, per event in it: let more appends gather
MAX_LINGER_S = 0.04  # the longest a busy relay lets appends gather


@dataclass
class Checkpoint:
    """The cursor (last published store position) and, per partition, the last acknowledged
    offset and the event id published there: the evidence checks (b) and (c) compare with."""

    position: int = 0
    acked: dict[int, tuple[int, str]] = field(default_factory=dict)
    debris: bool = False  # the topic holds records written after a loss: replace it first

    def to_json(self) -> str:
        acked = {str(p): [offset, event_id] for p, (offset, event_id) in self.acked.items()}
        body: dict[str, Any] = {"position": self.position, "acked": acked}
        if self.debris:
            body["debris"] = True
        return json.dumps(body, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None) -> Checkpoint:
        if not raw:
            return cls()
        body = json.loads(raw)
        acked = {int(p): (int(pair[0]), str(pair[1])) for p, pair in body["acked"].items()}
        return cls(int(body["position"]), acked, bool(body.get("debris", False)))


def headers_of(envelope: Envelope) -> list[tuple[str, bytes]]:
    values = {
        "event_type": envelope.event_type,
        "schema_version": envelope.schema_version,
        "event_id": envelope.event_id,
        "position": envelope.position,
        "stream_id": envelope.stream_id,
        "stream_version": envelope.stream_version,
    }
    # A value the envelope lacks (an evaluation has no store position) is no header.
    return [(name, str(value).encode()) for name, value in values.items() if value is not None]


def header(headers: list[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode(errors="replace")
    return None


class OutboxRelay:
    """Publishes `store` to `topic` from a background thread (`start`/`stop`), or one batch
    per `run_once()` call (tests). Call `run_once`/`verify` only while the thread is not
    running: the relay is not thread-safe, only its properties may be read from anywhere."""

    def __init__(
        self,
        store: EventStore,
        servers: str,
        topic: str,
        *,
        name: str,
        partitions: int,
        batch_size: int = 500,
        idle_sleep_s: float = 0.02,
        verify_interval_s: float = 2.0,
        topic_check_interval_s: float = TOPIC_CHECK_INTERVAL_S,
        linger_s: float = LINGER_S,
        max_linger_s: float = MAX_LINGER_S,
    ) -> None:
        self.store = store
        self.servers = servers
        self.topic = topic
        self.name = name
        self.partitions = partitions
        self.batch_size = batch_size
        self.idle_sleep_s = idle_sleep_s
        self.verify_interval_s = verify_interval_s
        self.topic_check_interval_s = topic_check_interval_s
        self.linger_s = linger_s
        self.max_linger_s = max_linger_s
        self.recoveries = 0  # times the broker was found to have lost our data
        self._checkpoint_name = f"relay:{name}"
        self._checkpoint = Checkpoint.from_json(store.get_checkpoint(self._checkpoint_name))
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._healthy = False
        self._lost = False  # the broker lost our data and nothing was acknowledged since
        self._next_verify = 0.0
        self._next_topic_check = 0.0  # 0: check (a) before the next send
        self._worker = LoopThread(f"relay {name}", f"relay-{name}", self._round, self._failed)
        self._stop = self._worker.stopping
        self._wake = threading.Event()  # set by the store after an append, and by stop()
        # A store that says when it appended lets the idle relay sleep long and still
        # publish at once; another writer of the file is then seen within IDLE_WAIT_S.
        listen = getattr(store, "add_append_listener", None)
        self._woken_by_store = callable(listen)
        if callable(listen):
            listen(self._wake.set)
        self._on_idle: Callable[[], None] | None = None
        # Replicas share the store: only the holder of its lease publishes (kernel.store.lease).
        lease = getattr(store, "relay_lease", None)
        self._lease: RelayLease | None = lease(name) if callable(lease) else None

    # -- public ----------------------------------------------------------------------------

    @property
    def published_position(self) -> int:
        """The store position up to which the broker acknowledged everything."""
        return self._checkpoint.position

    @property
    def healthy(self) -> bool:
        """The last loop talked to the broker successfully."""
        return self._healthy

    def start(self) -> None:
        log.info("relay %s -> %s from position %s", self.name, self.topic, self.published_position)
        self._worker.start()

    def wake(self) -> None:
        """Something was appended (told from another process): publish it now."""
        self._wake.set()

    def notify_when_idle(self, on_idle: Callable[[], None]) -> None:
        """Call `on_idle` when the relay has caught up and is about to sleep; it looks at the
        store once more afterwards. A writer in another process then needs to wake it only
        after `on_idle`, not after every append while it is busy anyway."""
        self._on_idle = on_idle

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._worker.stop(timeout_s)
        self._close_clients()
        if self._lease is not None:
            self._lease.release()

    def run_once(self) -> int:
        """Publish one batch; return how many events the broker acknowledged."""
        if self._checkpoint.debris:
            self._clear_debris()
        batch = self.store.read_all(after_position=self._checkpoint.position, limit=self.batch_size)
        if not batch:
            return 0
        if self._topic_check_due() and self._check_topic():
            # recreated: everything goes again, from position 0
            batch = self.store.read_all(after_position=0, limit=self.batch_size)
        try:
            acked = self._send(batch)
        except (UnknownProducerIdError, OutOfOrderSequenceNumberError) as exc:
            # The broker forgot our producer id: it restarted (or expired the id). Next
            # round checks the topic first, then a new producer sends; (b) tells what is lost.
            log.info("relay %s: %s; sending again with a new producer id", self.name, exc)
            self._close_producer()
            return 0
        except BaseException:
            self._next_topic_check = 0.0  # whatever went wrong, check (a) before sending again
            raise
        self._advance(batch, acked)
        self._healthy = True
        return len(batch)

    def verify(self) -> bool:
        """Check (a) and (c): the topic exists and still holds what we last published on each
        partition. On loss, reset the cursor to 0. Returns True when the broker is intact."""
        self._next_topic_check = 0.0
        if self._check_topic():
            return False
        missing, unanswered = self._missing_partitions()
        if missing:
            self._recover(f"the records last acknowledged on partitions {missing} are gone")
            return False
        if unanswered:
            log.info(
                "relay %s: no answer in time for the records last acknowledged on partitions "
                "%s; checking again later",
                self.name,
                unanswered,
            )
            return False
        self._healthy = True
        return True

    # -- the loop --------------------------------------------------------------------------

    def _round(self) -> None:
        if self._lease is not None and not self._leading(self._lease):
            return
        sent = self.run_once()
        if sent == 0:
            self._idle()
        elif linger := self.linger_after(sent):
            self._stop.wait(linger)  # a short batch: let more gather

    def _leading(self, lease: RelayLease) -> bool:
        """Hold the store's lease, or wait LEASE_RETRY_S for it. A relay that takes it over
        resumes from the checkpoint the last holder left in the store."""
        held, taken = lease.hold()
        if taken:
            self._checkpoint = Checkpoint.from_json(
                self.store.get_checkpoint(self._checkpoint_name)
            )
            log.info("relay %s: publishing from position %s", self.name, self.published_position)
        if not held:
            self._healthy = True  # a standby: nothing of ours is unpublished by its fault
            self._stop.wait(LEASE_RETRY_S)
        return held

    def _failed(self, exc: Exception) -> None:
        self._healthy = False
        log.warning(
            "relay %s: cannot publish to %s at %s (%s: %s); retrying in %.0f s",
            self.name,
            self.topic,
            self.servers,
            type(exc).__name__,
            exc,
            RETRY_BACKOFF_S,
        )
        self._close_clients()

    def linger_after(self, sent: int) -> float:
        """How long to let appends gather after a batch of `sent` events: none after a full
        batch (more are waiting), else `linger_s` per event sent, at most `max_linger_s`.
        Every round costs a read, a produce request, the wait for the acknowledgement and a
        checkpoint write whatever its size, and the consumers downstream pay per fetch too.
        While appends come slower than one per `linger_s` the rounds stay short (after a lone
        command the next waits at most `linger_s`); faster, and the rounds grow until they
        come every `max_linger_s`. An append to an idle relay goes out at once either way."""
        if sent >= self.batch_size:
            return 0.0
        return min(self.max_linger_s, self.linger_s * sent)

    def _idle(self) -> None:
        if self._on_idle is not None:
            self._on_idle()
            if self.run_once():  # appended before on_idle, by a writer that saw us busy
                return
        now = time.monotonic()
        if now >= self._next_verify:
            self._next_verify = now + self.verify_interval_s
            self.verify()
        # Cleared before the wait: an append after the read that found nothing wakes us.
        wait_s = min(IDLE_WAIT_S, self.verify_interval_s) if self._woken_by_store else 0.0
        self._wake.wait(max(self.idle_sleep_s, wait_s))
        self._wake.clear()

    # -- publishing ------------------------------------------------------------------------

    def _send(self, batch: list[Envelope]) -> list[RecordMetadata]:
        producer = self._producer_or_new()
        futures = [
            producer.send(
                self.topic,
                value=envelope.to_json(),
                key=envelope.partition_key.encode(),
                headers=headers_of(envelope),
            )
            for envelope in batch
        ]
        producer.flush(timeout=FLUSH_TIMEOUT_S)
        return [future.get(timeout=FLUSH_TIMEOUT_S) for future in futures]

    def _advance(self, batch: list[Envelope], acked: list[RecordMetadata]) -> None:
        """Move the cursor past `batch`, unless an offset shows the broker lost data (b)."""
        latest = dict(self._checkpoint.acked)
        for envelope, meta in zip(batch, acked, strict=True):
            if meta.partition >= self.partitions:
                # Only a topic with another count has it: the broker lost ours and something
                # auto-created it between two checks (a). The next round replaces it.
                self._recover(
                    f"partition {meta.partition} acknowledged, configured {self.partitions}"
                )
                return
            previous = latest.get(meta.partition)
            if previous is not None and meta.offset <= previous[0]:
                self._recover(
                    f"partition {meta.partition} acknowledged offset {meta.offset}, "
                    f"not above {previous[0]} acknowledged before",
                    debris=True,
                )
                return
            latest[meta.partition] = (meta.offset, str(envelope.event_id))
        position = batch[-1].position
        assert position is not None  # envelopes read from a store always carry one
        self._save(Checkpoint(position, latest))
        self._lost = False

    def _save(self, checkpoint: Checkpoint) -> None:
        self.store.put_checkpoint(self._checkpoint_name, checkpoint.to_json())
        self._checkpoint = checkpoint

    def _recover(self, reason: str, *, debris: bool = False) -> None:
        log.warning(
            "relay %s: broker lost data on %s (%s); republishing from position 0 (was %s)",
            self.name,
            self.topic,
            reason,
            self._checkpoint.position,
        )
        self.recoveries += 1
        self._lost = True
        self._next_topic_check = 0.0
        self._save(Checkpoint(debris=debris))
        self._close_producer()  # a fresh producer id: the new broker knows none of ours

    def _clear_debris(self) -> None:
        """(b) left records of ours on the new topic, ahead of the republish: replace it."""
        log.warning(
            "relay %s: replacing %s, which holds records sent after the loss, before republishing",
            self.name,
            self.topic,
        )
        # Gone already (another loss): (a) makes it again.
        with contextlib.suppress(UnknownTopicOrPartitionError):
            replace_topics(self.servers, (self.topic,), partitions=self.partitions)
        self._save(Checkpoint())
        self._next_topic_check = 0.0

    # -- checks ----------------------------------------------------------------------------

    def _topic_check_due(self) -> bool:
        """(a) describes every topic: a round trip and much parsing, so it runs at most every
        `topic_check_interval_s` while sends succeed, and before the first send of a new
        producer (after any error, a recovery or a start), when a lost broker is likely."""
        return self._producer is None or time.monotonic() >= self._next_topic_check

    def _check_topic(self) -> bool:
        """(a): recreate a missing topic. Returns True when it had to (the cursor is reset)."""
        admin = self._admin_or_new()
        count = partition_count(admin, self.topic)
        if count == self.partitions:
            self._next_topic_check = time.monotonic() + self.topic_check_interval_s
            return False
        if count is not None:
            if not self._auto_created(count):
                raise RuntimeError(
                    f"topic {self.topic} has {count} partitions, configured {self.partitions}"
                )
            # A client asked for it by name after a broker restart and Tansu auto-created it
            # with its default count; it holds nothing of ours, and only a topic with the
            # configured count keeps members co-partitioned.
            log.warning(
                "relay %s: topic %s has %s partitions, configured %s, and none of our data: "
                "auto-created after the broker lost data; deleting and recreating it",
                self.name,
                self.topic,
                count,
                self.partitions,
            )
            replace_topics(self.servers, (self.topic,), partitions=self.partitions)
        else:
            ensure_topics(self.servers, (self.topic,), partitions=self.partitions, timeout_s=5.0)
        self._recover(f"topic {self.topic} " + ("was missing" if count is None else "replaced"))
        return True

    def _auto_created(self, count: int) -> bool:
        """A topic with the wrong count is ours to replace only if the broker lost what we
        published (or it is empty); otherwise it is a misconfiguration for a human."""
        if self._lost:  # a restart raced our last send: the topic is debris of that
            return True
        if self._checkpoint.acked:
            return bool(self._missing_partitions()[0])
        with self._reader() as consumer:
            tps = [TopicPartition(self.topic, p) for p in range(count)]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            deadline = time.monotonic() + EMPTY_PROBE_S
            while time.monotonic() < deadline:
                if consumer.poll(timeout_ms=50):
                    return False
        return True

    def _missing_partitions(self) -> tuple[list[int], list[int]]:
        """(c): partitions whose last acknowledged record is gone (another event id at its
        offset, or the log now ends at or before it), and partitions that gave no answer in
        time: inconclusive (a busy process or broker), not a loss, checked again later."""
        acked = self._checkpoint.acked
        if not acked:
            return [], []
        with self._reader() as consumer:
            read = read_offsets(
                consumer,
                {TopicPartition(self.topic, p): offset for p, (offset, _) in acked.items()},
            )
        missing, unanswered = [], []
        for partition, (offset, event_id) in sorted(acked.items()):
            found = read.event_ids.get(partition)
            end = read.ends.get(partition)
            if found is not None:
                if found != event_id:
                    missing.append(partition)
            elif end is not None and end <= offset:
                missing.append(partition)
            else:
                unanswered.append(partition)
        if unanswered:
            # Silence says nothing while the broker is down: this raises then.
            partition_count(self._admin_or_new(), self.topic)
        return missing, unanswered

    # -- clients ---------------------------------------------------------------------------

    def _producer_or_new(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.servers,
                client_id=f"relay-{self.name}",
                acks="all",
                enable_idempotence=True,
                linger_ms=2,
                allow_auto_create_topics=False,
                **CLIENT_TIMEOUTS,
                **PRODUCER_TIMEOUTS,
            )
        return self._producer

    def _admin_or_new(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self.servers,
                client_id=f"relay-{self.name}-admin",
                **CLIENT_TIMEOUTS,
            )
        return self._admin

    @contextmanager
    def _reader(self) -> Iterator[KafkaConsumer]:
        """A short-lived consumer without a group. Closed after use: a long-lived one would
        refresh metadata for the topic by name, and so re-create it after a broker restart."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.servers,
            client_id=f"relay-{self.name}-verify",
            enable_auto_commit=False,
            fetch_max_wait_ms=20,
            allow_auto_create_topics=False,
            **CLIENT_TIMEOUTS,
        )
        try:
            yield consumer
        finally:
            consumer.close(autocommit=False)

    def _close_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                producer.close(timeout=0)
            except KafkaTimeoutError:
                # kafka-python's close flushes first, and with batches still unacknowledged
                # (a cluster without enough in-sync replicas) a zero-timeout flush raises
                # before the sender is stopped: seen killing the relay's thread. Abandon them
                # (the store sends them again) and stop the sender ourselves.
                sender = getattr(producer, "_sender", None)
                if sender is not None:
                    sender.force_close()

    def _close_clients(self) -> None:
        self._close_producer()
        if self._admin is not None:
            admin, self._admin = self._admin, None
            try:
                admin.close()
            except Exception:  # closing a client of a dead broker must not mask the cause
                log.debug("relay %s: error closing admin client", self.name, exc_info=True)


@dataclass(frozen=True)
class ReadBack:
    """What `read_offsets` found: the `event_id` header of the record at each wanted offset,
    and the end (fetch highwater) of each partition a fetch answered for."""

    event_ids: dict[int, str]
    ends: dict[int, int]


def read_offsets(consumer: KafkaConsumer, wanted: dict[TopicPartition, int]) -> ReadBack:
    """Read the record at each wanted offset ("" where a later record comes back instead; a
    partition that answers nothing within VERIFY_FETCH_S is left out of `event_ids`)."""
    consumer.assign(list(wanted))
    for tp, offset in wanted.items():
        consumer.seek(tp, offset)
    found: dict[int, str] = {}
    deadline = time.monotonic() + VERIFY_FETCH_S
    pending = dict(wanted)
    while pending and time.monotonic() < deadline:
        records: dict[TopicPartition, list[Any]] = consumer.poll(timeout_ms=50)
        for tp, batch in records.items():
            for record in batch:
                if tp in pending and record.offset >= pending[tp]:
                    # A record past the wanted offset: nothing is left at that one.
                    there = record.offset == pending.pop(tp)
                    event_id = header(record.headers, "event_id") if there else None
                    found[tp.partition] = event_id or ""
                    consumer.pause(tp)
                    break
    ends = {tp.partition: end for tp in wanted if (end := consumer.highwater(tp)) is not None}
    return ReadBack(found, ends)
