"""Ceilings: kafka-python against the embedded broker on 127.0.0.1. Produce as the relay does
(acks=all, idempotent, linger 2 ms, keyed by member); consume by plain assignment from the
start of every partition (no group: joining one is setup, not throughput).

Each is measured twice: with plain 300-byte values, and with the very records the relay
publishes (envelope JSON, member key, six headers) — kafka-python decodes records in pure
Python, so their size and headers set the ceiling a relay or a consumer runner can reach."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.producer.future import FutureRecordMetadata

from bench.harness import Measurement, Rig, Timing, timed
from bench.samples import STREAMS, Record, relay_records
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


def plain_records(count: int) -> list[Record]:
    return [(VALUE, f"member-{n % STREAMS}".encode(), []) for n in range(count)]


def fill(servers: str, topic: str, records: list[Record]) -> Timing:
    """Produce `records` and wait until the broker acknowledged every one."""
    producer = KafkaProducer(
        bootstrap_servers=servers, acks="all", enable_idempotence=True, linger_ms=2
    )
    try:
        producer.partitions_for(topic)  # metadata first: connecting is not producing
        futures: list[FutureRecordMetadata] = []

        def loop() -> None:
            futures.extend(
                producer.send(topic, value=value, key=key, headers=headers)
                for value, key, headers in records
            )
            producer.flush()

        timing = timed(len(records), loop)
    finally:
        producer.close()
    failed = [f.exception for f in futures if not f.succeeded()]
    if failed:
        raise RuntimeError(f"{len(failed)} sends failed, first: {failed[0]!r}")
    return timing


def produce(rig: Rig) -> Timing:
    topic, _ = new_topic(rig)
    return fill(rig.broker().bootstrap_servers, topic, plain_records(rig.count(MESSAGES)))


def produce_envelopes(rig: Rig) -> Timing:
    topic, _ = new_topic(rig)
    records = relay_records(rig.count(MESSAGES), rig.new_file("envelopes"))
    return fill(rig.broker().bootstrap_servers, topic, records)


def consume(rig: Rig) -> Timing:
    return _consume(rig, plain_records(rig.count(MESSAGES)))


def consume_envelopes(rig: Rig) -> Timing:
    return _consume(rig, relay_records(rig.count(MESSAGES), rig.new_file("envelopes")))


def _consume(rig: Rig, records: list[Record]) -> Timing:
    servers = rig.broker().bootstrap_servers
    topic, partitions = new_topic(rig)
    count = len(records)
    fill(servers, topic, records)
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
    Measurement(
        "kafka.produce.envelopes",
        "kafka-python produce, the relay's records (envelope, key, headers)",
        "msg",
        produce_envelopes,
    ),
    Measurement(
        "kafka.consume.envelopes",
        "kafka-python consume, the relay's records (envelope, key, headers)",
        "msg",
        consume_envelopes,
    ),
]
