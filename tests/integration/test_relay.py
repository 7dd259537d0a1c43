"""The outbox relay against the real embedded broker and real SQLite stores."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from toy.points import (
    award,
    award_many,
    check_delivery,
    eventually,
    produce,
    publish_all,
    read_topic,
)

from kernel import relay as relay_module
from kernel.broker import EmbeddedBroker
from kernel.relay import Checkpoint, OutboxRelay
from kernel.store.sqlite import SqliteEventStore
from kernel.topics import ensure_topics, partition_count

PARTITIONS = 3


MakeRelay = Callable[..., OutboxRelay]


@pytest.fixture
def make_relay() -> Iterator[MakeRelay]:
    """Relays that are stopped (threads joined, clients closed) after the test."""
    relays: list[OutboxRelay] = []

    def make(store: SqliteEventStore, servers: str, topic: str, **options: Any) -> OutboxRelay:
        relay = OutboxRelay(store, servers, topic, name="test", partitions=PARTITIONS, **options)
        relays.append(relay)
        return relay

    yield make
    for relay in relays:
        relay.stop()


def partitions_of(servers: str, topic: str) -> int | None:
    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:
        return partition_count(admin, topic)
    finally:
        admin.close()


def test_every_event_is_delivered_once_in_per_member_order_with_headers(
    broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    store = SqliteEventStore(tmp_path / "events.db")
    envelopes = award_many(store, members=7, rounds=30)
    relay = make_relay(store, servers, topic, batch_size=50)

    publish_all(relay, store.head_position())

    records = read_topic(servers, topic, PARTITIONS, at_least=len(envelopes))
    assert len(records) == len(envelopes)
    assert check_delivery(records, store) == 0
    assert len({r.partition for r in records}) > 1  # keys spread over partitions
    first = next(r for r in records if r.headers["event_id"] == str(envelopes[0].event_id))
    assert first.headers == {
        "event_type": "PointsAwarded",
        "schema_version": "1",
        "event_id": str(envelopes[0].event_id),
        "position": str(envelopes[0].position),
        "stream_id": envelopes[0].stream_id,
        "stream_version": "1",
    }
    # The cursor is durable: a new relay on the same store has nothing left to publish.
    assert make_relay(store, servers, topic).published_position == store.head_position()
    assert make_relay(store, servers, topic).run_once() == 0
    saved = Checkpoint.from_json(store.get_checkpoint("relay:test"))
    last = {r.partition: (r.offset, r.headers["event_id"]) for r in records}
    assert saved.acked == last


class CrashAfterPublish(SqliteEventStore):
    """A store whose checkpoint write fails once: the relay dies after the broker
    acknowledged a batch and before its cursor moved, the worst instant."""

    crash_on_checkpoint = 3

    def put_checkpoint(self, name: str, value: str) -> None:
        self.crash_on_checkpoint -= 1
        if self.crash_on_checkpoint == 0:
            raise OSError("disk gone (simulated crash)")
        super().put_checkpoint(name, value)


def test_a_relay_dying_between_ack_and_checkpoint_resumes_with_duplicates_only(
    broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    store = CrashAfterPublish(tmp_path / "events.db")
    envelopes = award_many(store, members=5, rounds=20)
    relay = make_relay(store, servers, topic, batch_size=10)
    relay.run_once()
    relay.run_once()
    with pytest.raises(OSError, match="simulated crash"):
        relay.run_once()
    assert relay.published_position == 20

    resumed = make_relay(store, servers, topic, batch_size=10)
    assert resumed.published_position == 20
    publish_all(resumed, store.head_position())

    records = read_topic(servers, topic, PARTITIONS, at_least=len(envelopes) + 10)
    assert len(records) == len(envelopes) + 10
    assert check_delivery(records, store) == 10  # exactly the unacknowledged-cursor batch


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from kernel.relay import OutboxRelay
    from kernel.store.sqlite import SqliteEventStore

    store = SqliteEventStore(Path(sys.argv[1]))
    relay = OutboxRelay(store, sys.argv[2], sys.argv[3], name="test", partitions=3,
                        batch_size=25)
    while relay.run_once():
        pass
    """
)


def test_a_relay_killed_mid_run_resumes_from_its_checkpoint(
    broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    path = tmp_path / "events.db"
    store = SqliteEventStore(path)
    envelopes = award_many(store, members=10, rounds=150)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), servers, topic])
    try:
        eventually(lambda: _position(store) >= 100, 20, "the child relay to make progress")
        os.kill(child.pid, signal.SIGKILL)  # whatever it was doing, mid-batch or not
    finally:
        child.kill()
        child.wait()
    killed_at = _position(store)
    assert 0 < killed_at < store.head_position()

    resumed = make_relay(store, servers, topic, batch_size=100)
    assert resumed.published_position == killed_at
    publish_all(resumed, store.head_position())

    records = read_topic(servers, topic, PARTITIONS, at_least=len(envelopes))
    duplicates = check_delivery(records, store)
    assert len(records) == len(envelopes) + duplicates
    assert duplicates <= 25  # at most the batch in flight: it resumed, not restarted


def _position(store: SqliteEventStore) -> int:
    raw = store.get_checkpoint("relay:test")
    return int(json.loads(raw)["position"]) if raw else 0


def published_awards(
    servers: str, topic: str, tmp_path: Path, make_relay: MakeRelay
) -> tuple[SqliteEventStore, OutboxRelay]:
    """A store of 40 awards (4 members, 10 rounds) and its relay, all of them published on
    `topic`, made for them."""
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    store = SqliteEventStore(tmp_path / "events.db")
    award_many(store, members=4, rounds=10)
    relay = make_relay(store, servers, topic)
    publish_all(relay, store.head_position())
    return store, relay


@pytest.mark.memory_broker
def test_a_missing_topic_is_recreated_with_its_partition_count_and_refilled(
    own_broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    store, relay = published_awards(servers, topic, tmp_path, make_relay)

    own_broker.restart()  # memory-only: every topic and record is gone
    award(store, "m0", 11)
    publish_all(relay, store.head_position())

    assert relay.recoveries == 1
    assert partitions_of(servers, topic) == PARTITIONS  # not Tansu's auto-create default
    records = read_topic(servers, topic, PARTITIONS, at_least=41)
    assert len(records) == 41
    assert check_delivery(records, store) == 0


@pytest.mark.memory_broker
def test_a_topic_auto_created_after_a_restart_is_replaced(
    own_broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    store, relay = published_awards(servers, topic, tmp_path, make_relay)

    own_broker.restart()
    produce(servers, topic, [(b"m0", b"stray", None)])  # by name: Tansu auto-creates it
    assert partitions_of(servers, topic) == 4
    award(store, "m0", 11)
    publish_all(relay, store.head_position())

    assert partitions_of(servers, topic) == PARTITIONS
    records = read_topic(servers, topic, PARTITIONS, at_least=41)
    assert len(records) == 41
    assert check_delivery(records, store) == 0


def test_a_topic_with_another_count_and_foreign_data_is_left_to_a_human(
    broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=5)
    produce(servers, topic, [(b"k", b"somebody else's", None)])
    store = SqliteEventStore(tmp_path / "events.db")
    award(store, "m0", 1)
    relay = make_relay(store, servers, topic)
    with pytest.raises(RuntimeError, match="has 5 partitions, configured 3"):
        relay.run_once()
    assert relay.published_position == 0
    assert partitions_of(servers, topic) == 5


@pytest.mark.memory_broker
def test_an_offset_going_backwards_means_lost_data_and_triggers_a_republish(
    own_broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    """The send that reveals the loss landed on the new topic ahead of the republish: the
    topic is replaced first, so it holds the store once, in order (consumers that count
    positions or merge by time never meet that event before its predecessors)."""
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    store, relay = published_awards(servers, topic, tmp_path, make_relay)

    own_broker.restart()
    ensure_topics(servers, (topic,), partitions=PARTITIONS)  # someone else recreated it
    award(store, "m1", 11)
    assert relay.run_once() == 0  # the broker forgot our producer id: a new one next round
    relay.run_once()  # acknowledged at offset 0, below what was acknowledged before
    assert relay.recoveries == 1
    assert relay.published_position == 0
    publish_all(relay, store.head_position())

    records = read_topic(servers, topic, PARTITIONS, at_least=41)
    assert len(records) == 41  # the store once: the revealing send was replaced with the topic
    assert check_delivery(records, store) == 0


@pytest.mark.memory_broker
def test_a_relay_killed_before_replacing_the_debris_replaces_it_when_it_starts(
    own_broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    store, relay = published_awards(servers, topic, tmp_path, make_relay)
    own_broker.restart()
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    award(store, "m1", 11)
    relay.run_once()
    relay.run_once()  # the loss found; the topic not yet replaced
    assert Checkpoint.from_json(store.get_checkpoint("relay:test")).debris

    again = make_relay(store, servers, topic)  # a new process: the checkpoint says "debris"
    publish_all(again, store.head_position())
    records = read_topic(servers, topic, PARTITIONS, at_least=41)
    assert len(records) == 41
    assert check_delivery(records, store) == 0


@pytest.mark.memory_broker
def test_an_idle_relay_verifies_the_broker_still_holds_its_last_records(
    own_broker: EmbeddedBroker,
    tmp_path: Path,
    unique: str,
    caplog: pytest.LogCaptureFixture,
    make_relay: MakeRelay,
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    store, relay = published_awards(servers, topic, tmp_path, make_relay)
    assert relay.verify()

    own_broker.restart()
    ensure_topics(servers, (topic,), partitions=PARTITIONS)  # exists, but empty
    with caplog.at_level(logging.WARNING, logger="vanguard.relay"):
        assert not relay.verify()
    assert "broker lost data" in caplog.text
    assert relay.published_position == 0
    publish_all(relay, store.head_position())
    assert relay.verify()
    records = read_topic(servers, topic, PARTITIONS, at_least=40)
    assert check_delivery(records, store) == 0


def test_a_verification_answered_too_late_is_not_taken_for_a_loss(
    broker: EmbeddedBroker,
    tmp_path: Path,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
    make_relay: MakeRelay,
) -> None:
    """A process too busy to read its last records back in time (seen with a consumer
    spinning in the same worker) learns nothing: it checks again later instead of
    republishing a whole store the broker still holds."""
    servers, topic = broker.bootstrap_servers, f"{unique}.points"
    _, relay = published_awards(servers, topic, tmp_path, make_relay)
    published = relay.published_position

    monkeypatch.setattr(relay_module, "VERIFY_FETCH_S", 0.0)  # no time to read anything back
    assert not relay.verify()
    assert (relay.published_position, relay.recoveries) == (published, 0)
    monkeypatch.undo()
    assert relay.verify()
    assert relay.recoveries == 0


def test_the_relay_thread_survives_a_dead_broker_and_catches_up(
    own_broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    store = SqliteEventStore(tmp_path / "events.db")
    award_many(store, members=3, rounds=5)
    relay = make_relay(store, servers, topic, verify_interval_s=0.2)
    relay.start()
    try:
        eventually(lambda: relay.published_position == store.head_position(), 10, "publish")
        assert relay.healthy
        own_broker.kill()
        award_many(store, members=3, rounds=1)
        # A send already on its way when the broker died fails only at the producer's
        # delivery timeout (10 s): noticed within that and a margin.
        eventually(lambda: not relay.healthy, 20, "the relay to notice the broker is down")
        assert relay.published_position == 15  # nothing acknowledged: the cursor stays
        own_broker.start()
        eventually(lambda: relay.published_position == store.head_position(), 20, "catch up")
        assert relay.healthy
    finally:
        relay.stop()
    records = read_topic(servers, topic, PARTITIONS, at_least=18)
    assert partitions_of(servers, topic) == PARTITIONS
    assert check_delivery(records, store) == 0


def test_a_relay_that_reports_going_idle_still_publishes_what_came_just_before(
    broker: EmbeddedBroker, tmp_path: Path, unique: str, make_relay: MakeRelay
) -> None:
    """In a worker process the relay's writer is another process, which wakes it only once it
    has said it is idle: an append committed just before that, by a writer that saw it busy
    and sent no wake-up, must still go out now, not after the relay's long sleep."""
    servers, topic = broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    relays_store = SqliteEventStore(tmp_path / "events.db")
    writer = SqliteEventStore(tmp_path / "events.db")  # the server's: its appends wake no one
    award(writer, "m1", 1)
    idles: list[float] = []

    def on_idle() -> None:
        if not idles:  # raced: appended while the relay was about to rest
            award(writer, "m1", 2)
        idles.append(time.monotonic())

    relay = make_relay(relays_store, servers, topic, idle_sleep_s=60.0)
    relay.notify_when_idle(on_idle)
    relay.start()

    eventually(lambda: relay.published_position == 2, 10.0, "both events published")
    assert len(idles) >= 2  # idle after the first event, then again after the raced one
    writer.close()
