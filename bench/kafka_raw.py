"""Ceilings: kafka-python against the embedded broker on 127.0.0.1. Produce as the relay does
(acks=all, idempotent, linger 2 ms, keyed by member); consume by plain assignment from the
start of every partition (no group: joining one is setup, not throughput)."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.producer.future import FutureRecordMetadata

from bench.harness import Measurement, Rig, Timing, timed
from bench.samples import STREAMS
from kernel.settings import Settings
from kernel.topics import ensure_topics

MESSAGES = 20_000
VALUE = ("党员承诺" * 25).encode()  # 300 bytes
CONSUME_DEADLINE_S = 60.0


def new_topic(rig: Rig) -> tuple[str, int]:
    """A topic of this run's own, created explicitly with the configured partition count."""
    partitions = Settings().partitions
    topic = f"bench.raw-{uuid.uuid4().hex[:8]}"
    ensure_topics(rig.broker().bootstrap_servers, (topic,), partitions=partitions)
    return topic, partitions


def fill(servers: str, topic: str, count: int) -> Timing:
    """Produce `count` messages and wait until the broker acknowledged every one."""
    producer = KafkaProducer(
        bootstrap_servers=servers, acks="all", enable_idempotence=True, linger_ms=2
    )
    try:
        producer.partitions_for(topic)  # metadata first: connecting is not producing
        keys = [f"member-{n % STREAMS}".encode() for n in range(count)]
        futures: list[FutureRecordMetadata] = []

        def loop() -> None:
            futures.extend(producer.send(topic, value=VALUE, key=key) for key in keys)
            producer.flush()

        timing = timed(count, loop)
    finally:
        producer.close()
    failed = [f.exception for f in futures if not f.succeeded()]
    if failed:
        raise RuntimeError(f"{len(failed)} sends failed, first: {failed[0]!r}")
    return timing


def produce(rig: Rig) -> Timing:
    topic, _ = new_topic(rig)
    return fill(rig.broker().bootstrap_servers, topic, rig.count(MESSAGES))


def consume(rig: Rig) -> Timing:
    servers = rig.broker().bootstrap_servers
    topic, partitions = new_topic(rig)
    count = rig.count(MESSAGES)
    fill(servers, topic, count)
    consumer = KafkaConsumer(
        bootstrap_servers=servers, enable_auto_commit=False, max_poll_records=2000
    )
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        consumer.partitions_for_topic(topic)
        return timed(count, lambda: _drain(consumer, count))
    finally:
        consumer.close()


def _drain(consumer: KafkaConsumer, expected: int) -> None:
    deadline = time.monotonic() + CONSUME_DEADLINE_S
    seen = 0
    while seen < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"consumed {seen} of {expected} messages")
        batches = consumer.poll(timeout_ms=200)
        seen += sum(len(records) for records in batches.values())


MEASUREMENTS = [
    Measurement("kafka.produce", "kafka-python produce (acks=all, idempotent)", "msg", produce),
    Measurement("kafka.consume", "kafka-python consume (assigned partitions)", "msg", consume),
]
