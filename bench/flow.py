"""Kernel figures: the outbox relay (store → broker, acknowledged) and the consumer runner
(broker → projection, deduplicated in the same SQLite transaction), each compared with the
raw kafka-python figure it is built on."""

from __future__ import annotations

import time
import uuid

from bench.harness import Measurement, Ratio, Rig, Timing, timed
from bench.kafka_raw import MESSAGES, new_topic
from bench.samples import filled_store, registry
from kernel.consumer import ConsumerRunner
from kernel.database import Connection
from kernel.envelope import Envelope
from kernel.events import DomainEvent
from kernel.relay import OutboxRelay

TARGET = 0.50
DEADLINE_S = 120.0


class PledgesPerMember:
    """The smallest honest projection: one row per member, counted up."""

    name = "bench_pledges"

    def migrate(self, conn: Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS pledges (member_id TEXT PRIMARY KEY, count INTEGER)"
        )

    def apply(self, conn: Connection, envelope: Envelope, event: DomainEvent) -> None:
        conn.execute(
            "INSERT INTO pledges VALUES (?, 1) "
            "ON CONFLICT(member_id) DO UPDATE SET count = count + 1",
            (envelope.partition_key,),
        )


def _publish_all(relay: OutboxRelay, head: int) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while relay.published_position < head:
        if time.monotonic() > deadline:
            raise TimeoutError(f"relay reached {relay.published_position} of {head}")
        relay.run_once()


def relay_throughput(rig: Rig) -> Timing:
    count = rig.count(MESSAGES)
    topic, partitions = new_topic(rig)
    store = filled_store(rig.new_file("relay-store"), count)
    relay = OutboxRelay(
        store, rig.broker().bootstrap_servers, topic, name="bench", partitions=partitions
    )
    try:
        relay.run_once()  # connect and check the topic: setup, not throughput
        return timed(count, lambda: _publish_all(relay, store.head_position()))
    finally:
        relay.stop()
        store.close()


def consumer_throughput(rig: Rig) -> Timing:
    count = rig.count(MESSAGES)
    topic, partitions = new_topic(rig)
    store = filled_store(rig.new_file("relay-store"), count)
    servers = rig.broker().bootstrap_servers
    relay = OutboxRelay(store, servers, topic, name="bench", partitions=partitions)
    try:
        _publish_all(relay, store.head_position())
    finally:
        relay.stop()
        store.close()
    runner = ConsumerRunner(
        servers,
        (topic,),
        f"bench-{uuid.uuid4().hex[:8]}",
        PledgesPerMember(),
        rig.new_file("consumer"),
        registry,
        session_timeout_ms=2000,
    )
    try:
        while runner.applied == 0:  # the group join and first fetch are setup
            runner.poll_once()
        first = runner.applied

        def loop() -> None:
            deadline = time.monotonic() + DEADLINE_S
            while runner.applied < count:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"applied {runner.applied} of {count}")
                runner.poll_once()

        timing = timed(count - first, loop)
    finally:
        runner.close()
    return timing


MEASUREMENTS = [
    Measurement(
        "kernel.relay",
        "Outbox relay: store → broker, acknowledged",
        "event",
        relay_throughput,
        ratios=(
            Ratio("kafka.produce.envelopes", TARGET, "vs raw produce of the same records"),
            Ratio("kafka.produce", None, "vs raw produce of plain 300-byte values"),
        ),
    ),
    Measurement(
        "kernel.consumer",
        "Consumer runner: applies, deduplicated in one transaction",
        "event",
        consumer_throughput,
        ratios=(
            Ratio("kafka.consume.envelopes", TARGET, "vs raw consume of the same records"),
            Ratio("kafka.consume", None, "vs raw consume of plain 300-byte values"),
        ),
    ),
]
