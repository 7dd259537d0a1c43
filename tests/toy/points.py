"""A toy domain (points awarded to members), its projection, and helpers that publish,
read and check what is on the broker. Real store, real broker, real SQLite: no mocks."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from kernel.database import Connection
from kernel.envelope import Actor, CommandContext, Envelope, Role
from kernel.events import DomainEvent, EventRegistry
from kernel.relay import OutboxRelay, headers_of
from kernel.store import PendingEvent
from kernel.store.sqlite import SqliteEventStore

registry = EventRegistry()


@registry.event("PointsAwarded")
class PointsAwarded(DomainEvent):
    member_id: str
    points: int


CONTEXT = CommandContext(
    school_id="school-1", actor=Actor(id="tester", role=Role.SERVICE), correlation_id="test"
)


class PointsProjection:
    """Points per member, plus the versions applied in order (so disorder would show)."""

    name = "points"

    def migrate(self, conn: Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS points (member_id TEXT PRIMARY KEY, "
            "total INTEGER NOT NULL, versions TEXT NOT NULL)"
        )

    def apply(self, conn: Connection, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, PointsAwarded)
        if event.points < 0:
            raise ValueError("negative points")  # a projection bug, for the dead-letter test
        conn.execute(
            "INSERT INTO points VALUES (?, ?, ?) ON CONFLICT(member_id) DO UPDATE SET "
            "total = points.total + excluded.total, "
            "versions = points.versions || ',' || excluded.versions",
            (event.member_id, event.points, str(envelope.stream_version)),
        )


def award(store: SqliteEventStore, member: str, points: int) -> Envelope:
    result = store.append(
        f"member-{member}",
        None,
        [PendingEvent(PointsAwarded(member_id=member, points=points))],
        context=CONTEXT,
        partition_key=member,
    )
    return result.envelopes[-1]


def award_many(store: SqliteEventStore, members: int, rounds: int) -> list[Envelope]:
    """`rounds` events per member, interleaved across members (points = round + 1)."""
    return [award(store, f"m{m}", r + 1) for r in range(rounds) for m in range(members)]


def expected_points(store: SqliteEventStore) -> dict[str, tuple[int, str]]:
    """What the projection must hold: total and "1,2,...,n" per member."""
    totals: dict[str, int] = Counter()
    versions: dict[str, list[str]] = {}
    for envelope in store.read_all(0, limit=1_000_000):
        member = envelope.data["member_id"]
        totals[member] += envelope.data["points"]
        versions.setdefault(member, []).append(str(envelope.stream_version))
    return {m: (totals[m], ",".join(v)) for m, v in versions.items()}


def projected_points(db_path: Path) -> dict[str, tuple[int, str]]:
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute("SELECT member_id, total, versions FROM points").fetchall()
    return {member: (total, versions) for member, total, versions in rows}


def publish_all(relay: OutboxRelay, head: int, timeout_s: float = 40.0) -> None:
    """Run the relay until it has published `head`; a send that fails (a batch that expired
    on a topic auto-created while the broker restarted) is tried again, as its loop does."""
    deadline = time.monotonic() + timeout_s
    while relay.published_position < head:
        with contextlib.suppress(KafkaError):  # run_once checks the topic before it sends again
            relay.run_once()
        assert time.monotonic() < deadline, f"relay stuck at {relay.published_position}/{head}"


def produce(
    servers: str,
    topic: str,
    items: Iterable[tuple[bytes | None, bytes, Any]],
    partition: int | None = None,
) -> None:
    """Produce raw (key, value, headers) records and wait for the acks."""
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=1)
    try:
        futures = [
            producer.send(topic, value=v, key=k, headers=h, partition=partition)
            for k, v, h in items
        ]
        for future in futures:
            future.get(timeout=10)
    finally:
        producer.close(timeout=5)


def produce_envelopes(
    servers: str, topic: str, envelopes: Iterable[Envelope], partition: int | None = None
) -> None:
    produce(
        servers,
        topic,
        ((e.partition_key.encode(), e.to_json(), headers_of(e)) for e in envelopes),
        partition,
    )


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]


def read_topic(
    servers: str, topic: str, partitions: int, *, at_least: int, timeout_s: float = 15.0
) -> list[Record]:
    """Every record of the topic, by partition and offset: polls until `at_least` arrived
    and nothing more came for a moment (end offsets are useless on Tansu)."""
    consumer = KafkaConsumer(
        bootstrap_servers=servers, enable_auto_commit=False, fetch_max_wait_ms=20
    )
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    try:
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=50)
            for tp, recs in batch.items():
                records += [
                    Record(
                        tp.partition,
                        r.offset,
                        r.key,
                        r.value,
                        {k: v.decode() for k, v in r.headers},
                    )
                    for r in recs
                ]
            if batch:
                quiet_since = time.monotonic()
            elif len(records) >= at_least and time.monotonic() - quiet_since > 0.3:
                break
    finally:
        consumer.close()
    return sorted(records, key=lambda r: (r.partition, r.offset))


def check_delivery(records: list[Record], store: SqliteEventStore) -> int:
    """Every event of the store is on the topic, each member in one partition and in order
    once duplicates are dropped (what a deduplicating consumer sees). Returns duplicates."""
    applied: dict[str, int] = {}
    home: dict[str, int] = {}
    duplicates = 0
    for record in records:
        envelope = Envelope.from_json(record.value)
        assert record.key == envelope.partition_key.encode()
        assert home.setdefault(envelope.partition_key, record.partition) == record.partition
        seen = applied.get(envelope.stream_id, 0)
        if envelope.stream_version <= seen:
            duplicates += 1
            continue
        assert envelope.stream_version == seen + 1, (
            f"{envelope.stream_id} v{envelope.stream_version} after v{seen} "
            f"(partition {record.partition} offset {record.offset})"
        )
        applied[envelope.stream_id] = envelope.stream_version
    heads = {e.stream_id: e.stream_version for e in store.read_all(0, limit=1_000_000)}
    assert applied == heads
    return duplicates


def eventually(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
