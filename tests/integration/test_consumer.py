"""The consumer runner against the real embedded broker, with real SQLite read models."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from toy.points import (
    PointsProjection,
    award,
    award_many,
    eventually,
    expected_points,
    produce,
    produce_envelopes,
    projected_points,
    publish_all,
    read_topic,
    registry,
)

from kernel.broker import EmbeddedBroker
from kernel.consumer import ConsumerRunner
from kernel.relay import OutboxRelay
from kernel.store.sqlite import SqliteEventStore
from kernel.topics import ensure_topics, partition_count, replace_topics

PARTITIONS = 3

MakeRunner = Callable[..., ConsumerRunner]
MakeRelay = Callable[..., OutboxRelay]


@pytest.fixture
def make_runner(tmp_path: Path, unique: str) -> Iterator[MakeRunner]:
    """Runners with test timeouts (a Tansu group join takes half the session timeout),
    closed after the test."""
    runners: list[ConsumerRunner] = []

    def make(servers: str, topic: str, *, db: str = "points.db", **options: Any) -> ConsumerRunner:
        options.setdefault("group_id", f"{unique}.group")
        options.setdefault("dead_letter_topic", f"{unique}.dead")
        runner = ConsumerRunner(
            servers,
            [topic],
            projection=PointsProjection(),
            db_path=tmp_path / db,
            registry=registry,
            session_timeout_ms=2000,
            heartbeat_interval_ms=500,
            **options,
        )
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


@pytest.fixture
def make_relay() -> Iterator[MakeRelay]:
    relays: list[OutboxRelay] = []

    def make(store: SqliteEventStore, servers: str, topic: str, **options: Any) -> OutboxRelay:
        options.setdefault("name", "test")
        relay = OutboxRelay(store, servers, topic, partitions=PARTITIONS, **options)
        relays.append(relay)
        return relay

    yield make
    for relay in relays:
        relay.stop()


@pytest.fixture
def topic(broker: EmbeddedBroker, unique: str) -> str:
    name = f"{unique}.points"
    ensure_topics(broker.bootstrap_servers, (name,), partitions=PARTITIONS)
    return name


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    events = SqliteEventStore(tmp_path / "events.db")
    yield events
    events.close()


def heads(store: SqliteEventStore) -> dict[str, int]:
    return {e.stream_id: e.stream_version for e in store.read_all(0, limit=1_000_000)}


def wait_all(runner: ConsumerRunner, store: SqliteEventStore, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for stream_id, version in heads(store).items():
        left = max(0.0, deadline - time.monotonic())
        assert runner.wait_for(stream_id, version, left), f"{stream_id} v{version} not applied"


def dump(db_path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as conn:
        points = conn.execute("SELECT * FROM points ORDER BY member_id").fetchall()
        applied = conn.execute("SELECT * FROM applied_streams ORDER BY stream_id").fetchall()
    return points + applied


def test_every_event_is_applied_once_in_order_and_wait_for_sees_it(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
    tmp_path: Path,
) -> None:
    servers = broker.bootstrap_servers
    award_many(store, members=6, rounds=20)
    relay = make_relay(store, servers, topic)
    publish_all(relay, store.head_position())
    runner = make_runner(servers, topic)
    runner.start()

    assert runner.wait_for("member-m5", 20, 15.0)
    wait_all(runner, store, 5.0)
    assert projected_points(tmp_path / "points.db") == expected_points(store)
    assert (runner.applied, runner.duplicates, runner.dead_lettered) == (120, 0, 0)
    eventually(lambda: runner.healthy, 2.0, "a healthy runner")  # set at the end of a poll

    started = time.monotonic()
    assert not runner.wait_for("member-m5", 21, 0.2)
    assert 0.2 <= time.monotonic() - started < 1.0

    # A restarted runner answers from its DB at once, before it has polled anything.
    again = make_runner(servers, topic)
    assert again.wait_for("member-m5", 20, 0.0)


def test_wait_until_does_not_block_the_event_loop(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
) -> None:
    servers = broker.bootstrap_servers
    relay = make_relay(store, servers, topic)
    runner = make_runner(servers, topic)
    runner.start()

    async def scenario() -> tuple[bool, bool, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        beat = asyncio.create_task(ticker())
        waiter = asyncio.create_task(runner.wait_until("member-m0", 1, 15.0))
        await asyncio.sleep(0.1)
        assert not waiter.done()
        award(store, "m0", 7)
        await asyncio.to_thread(publish_all, relay, store.head_position())
        applied = await waiter
        timed_out = await runner.wait_until("member-m0", 2, 0.1)
        beat.cancel()
        return applied, timed_out, ticks

    applied, timed_out, ticks = asyncio.run(scenario())
    assert applied
    assert not timed_out
    assert ticks >= 10  # the loop kept running while the waiter waited


def test_redelivered_events_change_nothing_and_are_counted(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
    tmp_path: Path,
    unique: str,
) -> None:
    servers = broker.bootstrap_servers
    award_many(store, members=4, rounds=10)
    publish_all(make_relay(store, servers, topic), store.head_position())
    first = make_runner(servers, topic)
    first.start()
    wait_all(first, store, 15.0)
    first.stop()

    # The same read model without the positions it kept (a file from before it kept them),
    # under a group that committed nothing: every record comes again.
    with closing(sqlite3.connect(tmp_path / "points.db")) as conn, conn:
        conn.execute("DELETE FROM log_positions")
    before = dump(tmp_path / "points.db")
    second = make_runner(servers, topic, group_id=f"{unique}.other")
    second.start()
    eventually(lambda: second.duplicates == 40, 15.0, "every record redelivered")
    # And a relay that lost its checkpoint publishes everything twice.
    publish_all(make_relay(store, servers, topic, name="amnesiac"), store.head_position())
    eventually(lambda: second.duplicates == 80, 15.0, "the republished records")

    assert second.applied == 0
    assert dump(tmp_path / "points.db") == before
    assert projected_points(tmp_path / "points.db") == expected_points(store)


def test_unreadable_records_are_dead_lettered_and_the_next_event_applied(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
    tmp_path: Path,
    unique: str,
) -> None:
    servers = broker.bootstrap_servers
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    valid = award(scratch, "m0", 1)
    # Unreadable messages of a stream of their own: each takes its stream's version (the
    # stream goes on past it), as a real event of that stream would.
    unknown = valid.model_copy(update={"event_type": "PointsConfiscated", "stream_id": "x-1"})
    invalid = valid.model_copy(
        update={"data": {"member_id": "m0", "points": "lots"}, "stream_id": "x-2"}
    )
    poison = [b"\x00\xffnot json", unknown.to_json(), invalid.to_json()]
    produce(servers, topic, [(b"m0", value, None) for value in poison])
    award(store, "m0", 5)  # the event after the poison, same key so same partition
    award(store, "m1", -1)  # the projection raises on it: parked, its stream goes on
    award(store, "m1", 3)
    publish_all(make_relay(store, servers, topic), store.head_position())

    runner = make_runner(servers, topic)
    runner.start()
    assert runner.wait_for("member-m0", 1, 15.0)
    assert runner.wait_for("member-m1", 2, 5.0)
    assert projected_points(tmp_path / "points.db") == {"m0": (5, "1"), "m1": (3, "2")}
    assert runner.dead_lettered == 4

    dead = read_topic(servers, f"{unique}.dead", PARTITIONS, at_least=4)
    assert [d.value for d in dead if d.key == b"m0"] == poison  # original bytes, in order
    reasons = {d.value: d.headers["reason"] for d in dead}
    assert reasons[poison[0]].startswith("undecodable: ValidationError: ")
    assert "Invalid JSON" in reasons[poison[0]]
    assert reasons[poison[1]].startswith("undecodable: UnknownEventType: ")
    assert reasons[poison[2]].startswith("undecodable: ValidationError: ")
    assert "points" in reasons[poison[2]]
    (parked,) = [d for d in dead if d.key == b"m1"]
    assert parked.headers["reason"] == "apply failed: ValueError: negative points"
    for record in dead:
        assert record.headers["source_topic"] == topic
        assert record.headers["consumer"] == f"{unique}.group"
        assert int(record.headers["source_offset"]) >= 0
        assert 0 <= int(record.headers["source_partition"]) < PARTITIONS
    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:  # created by the runner, like every topic: with the configured partition count
        assert partition_count(admin, f"{unique}.dead") == PARTITIONS
    finally:
        admin.close()


def test_an_unreadable_version_is_stepped_over_and_a_replay_meets_the_same_verdict(
    broker: EmbeddedBroker,
    topic: str,
    make_runner: MakeRunner,
    tmp_path: Path,
    unique: str,
) -> None:
    """Junk data at a stream's next version (an outside producer, or an event this code cannot
    read): dead-lettered with its event id, the stream goes on at the version after it (no
    gap, no rewind), and the same log read again (a relay republishing) changes nothing."""
    servers = broker.bootstrap_servers
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    v1, v2, v3 = (award(scratch, "mj", points) for points in (1, 2, 3))
    junk = v2.model_copy(update={"data": {"member_id": "mj", "points": {"many": True}}})
    log = [v1, junk, v3]
    produce_envelopes(servers, topic, log)
    runner = make_runner(servers, topic)
    runner.start()
    assert runner.wait_for("member-mj", 3, 15.0)
    assert projected_points(tmp_path / "points.db") == {"mj": (4, "1,3")}
    (letter,) = read_topic(servers, f"{unique}.dead", PARTITIONS, at_least=1)
    assert letter.value == junk.to_json() and letter.key == b"mj"
    assert letter.headers["event_id"] == str(junk.event_id)
    assert letter.headers["reason"].startswith("undecodable: ValidationError: ")
    assert "\n" not in letter.headers["reason"]

    produce_envelopes(servers, topic, log)  # the same events again, as after a broker loss
    eventually(lambda: runner.duplicates >= 3, 15.0, "the republished copies to be dropped")
    assert (runner.dead_lettered, runner.gaps) == (1, 0)
    assert projected_points(tmp_path / "points.db") == {"mj": (4, "1,3")}
    scratch.close()


def test_a_gap_rereads_the_partition_once_the_missing_events_arrive(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    tmp_path: Path,
) -> None:
    servers = broker.bootstrap_servers
    v1, v2, v3, v4 = (award(store, "mg", points) for points in (1, 2, 3, 4))
    produce_envelopes(servers, topic, [v1, v2, v4])  # v3 lost, as after a broker restart
    runner = make_runner(servers, topic, gap_backoff_s=0.1)
    runner.start()
    eventually(lambda: runner.gaps >= 1, 15.0, "the gap to be seen")
    assert runner.version("member-mg") == 2

    produce_envelopes(servers, topic, [v3, v4])  # the relay republishing
    assert runner.wait_for("member-mg", 4, 10.0)
    assert projected_points(tmp_path / "points.db") == {"mg": (10, "1,2,3,4")}
    assert runner.applied == 4


def test_a_gap_that_never_fills_is_given_up_on_and_reading_moves_on(
    broker: EmbeddedBroker,
    topic: str,
    make_runner: MakeRunner,
    tmp_path: Path,
    unique: str,
) -> None:
    """A version no store wrote (an outside producer's v9 of a stream at v1) is not read
    again from the start for ever: past the patience it is dead-lettered, not applied, and
    the stream's real next version is applied when it comes."""
    servers = broker.bootstrap_servers
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    v1, v2 = (award(scratch, "mf", points) for points in (1, 2))
    forged = v1.model_copy(update={"stream_version": 9, "event_id": uuid.uuid4()})
    produce_envelopes(servers, topic, [v1, forged])
    runner = make_runner(servers, topic, gap_backoff_s=0.1, gap_patience_s=1.0)
    runner.start()
    eventually(lambda: runner.dead_lettered == 1, 15.0, "the forged version to be given up")
    gaps = runner.gaps
    produce_envelopes(servers, topic, [v2])
    assert runner.wait_for("member-mf", 2, 10.0)
    time.sleep(0.5)
    assert runner.gaps == gaps  # no more re-reads from the start
    assert projected_points(tmp_path / "points.db") == {"mf": (3, "1,2")}
    (letter,) = read_topic(servers, f"{unique}.dead", PARTITIONS, at_least=1)
    assert letter.value == forged.to_json()
    assert letter.headers["reason"].startswith("gap: v9 follows v1")
    assert runner.dead_lettered == 1
    scratch.close()


def test_a_rebuilt_projection_is_identical(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
    tmp_path: Path,
    unique: str,
) -> None:
    servers = broker.bootstrap_servers
    award_many(store, members=5, rounds=8)
    relay = make_relay(store, servers, topic)
    publish_all(relay, store.head_position())
    publish_all(make_relay(store, servers, topic, name="twice"), store.head_position())  # dups
    runner = make_runner(servers, topic)
    runner.start()
    wait_all(runner, store, 15.0)
    eventually(lambda: runner.duplicates == 40, 10.0, "the duplicates")
    original = dump(tmp_path / "points.db")
    runner.stop()

    runner.rebuild()  # same group, whose offsets are committed at the end
    assert runner.version("member-m0") == 0
    runner.start()
    wait_all(runner, store, 15.0)
    assert dump(tmp_path / "points.db") == original

    # The documented procedure: a fresh DB file and a fresh group id.
    fresh = make_runner(servers, topic, db="fresh.db", group_id=f"{unique}.fresh")
    fresh.start()
    wait_all(fresh, store, 15.0)
    assert dump(tmp_path / "fresh.db") == original


@pytest.mark.memory_broker
def test_after_a_broker_restart_the_projection_ends_complete_and_correct(
    own_broker: EmbeddedBroker,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
    tmp_path: Path,
    unique: str,
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    relay = make_relay(store, servers, topic, verify_interval_s=0.5)
    runner = make_runner(servers, topic)
    relay.start()
    runner.start()

    def write() -> None:  # a service taking commands all along
        for round_ in range(60):
            for member in range(5):
                award(store, f"m{member}", round_ + 1)
            time.sleep(0.02)
        written.set()

    written = threading.Event()
    writer = threading.Thread(target=write)
    writer.start()
    eventually(lambda: runner.applied >= 50, 15.0, "some events applied")
    assert not written.is_set()
    own_broker.restart()  # everything the broker held is gone, mid-run
    writer.join()

    eventually(lambda: relay.recoveries >= 1, 10.0, "the relay to notice")
    eventually(lambda: relay.published_position == store.head_position(), 20.0, "republish")
    wait_all(runner, store, 25.0)
    assert projected_points(tmp_path / "points.db") == expected_points(store)
    assert runner.applied == 300  # each event applied exactly once across the restart


@pytest.mark.memory_broker
def test_a_runner_reads_from_the_start_after_the_broker_lost_its_log(
    own_broker: EmbeddedBroker, make_runner: MakeRunner, tmp_path: Path, unique: str
) -> None:
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    a1, a2, b1 = award(scratch, "a", 1), award(scratch, "a", 2), award(scratch, "b", 4)
    produce_envelopes(servers, topic, [a1, a1, a2], partition=0)  # a duplicate: 3 offsets
    runner = make_runner(servers, topic)
    poll_until(runner, lambda: runner.version("member-a") == 2, 15.0)

    # While the runner is not polling, the broker restarts empty and the topic is refilled
    # without the duplicate: b1 lands at offset 2, below the runner's position (3). A fetch
    # from there would wait forever; losing the group makes the runner read from offset 0.
    own_broker.restart()
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    produce_envelopes(servers, topic, [a1, a2, b1], partition=0)
    poll_until(runner, lambda: runner.version("member-b") == 1, 20.0)
    assert projected_points(tmp_path / "points.db") == {"a": (3, "1,2"), "b": (4, "1")}
    assert (runner.applied, runner.duplicates) == (3, 3)


def test_a_topic_replaced_under_a_running_runner_is_read_again_from_its_start(
    own_broker: EmbeddedBroker, make_runner: MakeRunner, tmp_path: Path, unique: str
) -> None:
    """The broker keeps running, but the topic is deleted and made again (as a relay does with
    one a client auto-created): the runner's position is past the new log's end. It notices
    from the fetch highwater and reads the partition again, so nothing before it is skipped."""
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    a1, a2, b1 = award(scratch, "a", 1), award(scratch, "a", 2), award(scratch, "b", 4)
    produce_envelopes(servers, topic, [a1, a1, a2], partition=0)  # position 3 on partition 0
    runner = make_runner(servers, topic)
    poll_until(runner, lambda: runner.version("member-a") == 2, 15.0)

    replace_topics(servers, (topic,), partitions=PARTITIONS)
    produce_envelopes(servers, topic, [b1], partition=0)  # offset 0: below the position
    poll_until(runner, lambda: runner.version("member-b") == 1, 20.0)
    assert projected_points(tmp_path / "points.db") == {"a": (3, "1,2"), "b": (4, "1")}
    assert runner.gaps >= 1


def test_a_replaced_topic_refilled_past_the_position_is_read_again_from_its_start(
    own_broker: EmbeddedBroker, make_runner: MakeRunner, tmp_path: Path, unique: str
) -> None:
    """The replaced topic is refilled beyond the runner's position before it polls again (as
    scoring re-sends its evaluations in another order after a broker loss): the highwater
    says nothing, the topic id does. The runner reads the new log from its start, so the event
    that landed below its old position is applied."""
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    a1, a2, b1 = award(scratch, "a", 1), award(scratch, "a", 2), award(scratch, "b", 4)
    produce_envelopes(servers, topic, [a1, a2], partition=0)  # position 2 on partition 0
    runner = make_runner(servers, topic)
    poll_until(runner, lambda: runner.version("member-a") == 2, 15.0)
    time.sleep(1.5)  # the runner's offsets are committed to the group (at most every second)
    runner.poll_once()

    replace_topics(servers, (topic,), partitions=PARTITIONS)
    produce_envelopes(servers, topic, [b1, a1, a2, a2], partition=0)  # b1 below position 2
    poll_until(runner, lambda: runner.version("member-b") == 1, 20.0)
    assert projected_points(tmp_path / "points.db") == {"a": (3, "1,2"), "b": (4, "1")}


def test_a_runner_started_again_positions_itself_from_its_read_model_not_the_group(
    own_broker: EmbeddedBroker, make_runner: MakeRunner, tmp_path: Path, unique: str
) -> None:
    """The group's committed offsets may belong to a log that is gone: a broker that restarted
    empty takes the commits of a runner still holding offsets in the old log. A runner started
    again seeks where its read model says it stopped, for the topic id it read then; the topic
    was replaced since, so it reads the new log from its start and the event below the old
    offset is applied."""
    servers, topic = own_broker.bootstrap_servers, f"{unique}.points"
    ensure_topics(servers, (topic,), partitions=PARTITIONS)
    scratch = SqliteEventStore(tmp_path / "scratch.db")
    a1, a2, b1 = award(scratch, "a", 1), award(scratch, "a", 2), award(scratch, "b", 4)
    produce_envelopes(servers, topic, [a1, a2], partition=0)
    first = make_runner(servers, topic)
    poll_until(first, lambda: first.version("member-a") == 2, 15.0)
    first.close()

    replace_topics(servers, (topic,), partitions=PARTITIONS)
    produce_envelopes(servers, topic, [b1, a1, a2], partition=0)  # b1 below offset 2
    commit_offsets(servers, f"{unique}.group", {TopicPartition(topic, 0): 2})  # the old log's
    again = make_runner(servers, topic)
    poll_until(again, lambda: again.version("member-b") == 1, 20.0)
    assert projected_points(tmp_path / "points.db") == {"a": (3, "1,2"), "b": (4, "1")}


def test_a_runner_started_again_resumes_where_its_read_model_stopped(
    broker: EmbeddedBroker,
    topic: str,
    store: SqliteEventStore,
    make_runner: MakeRunner,
    make_relay: MakeRelay,
    unique: str,
) -> None:
    """Under a group that committed nothing (a new group id, a broker that lost its groups),
    a runner started again on the same read model reads on from the positions it kept: no
    record is fetched twice."""
    servers = broker.bootstrap_servers
    award_many(store, members=4, rounds=5)
    relay = make_relay(store, servers, topic)
    publish_all(relay, store.head_position())
    first = make_runner(servers, topic)
    first.start()
    wait_all(first, store, 15.0)
    first.close()

    again = make_runner(servers, topic, group_id=f"{unique}.other")
    again.start()
    award_many(store, members=1, rounds=1)  # one more event, after the 20 already applied
    publish_all(relay, store.head_position())
    wait_all(again, store, 15.0)
    assert (again.applied, again.duplicates) == (1, 0)


def commit_offsets(servers: str, group_id: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=group_id, enable_auto_commit=False)
    try:
        consumer.assign(list(offsets))
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
        assert {tp: consumer.committed(tp) for tp in offsets} == offsets
    finally:
        consumer.close(autocommit=False)


def poll_until(runner: ConsumerRunner, done: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "timed out"
        try:
            runner.poll_once()
        except Exception:  # the broker is restarting: the runner thread would retry too
            time.sleep(0.1)
