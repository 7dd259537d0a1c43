"""Reading a whole topic once, from offset 0 to the fetch highwater of each partition: for a
tool that checks what the log holds (the CLI's `vanguard publication verify`), not for a
service's projection (that is the consumer runner's job, with positions kept).

The end is the highwater a fetch response reports, never ListOffsets (unsound on the embedded
broker). Anything on the topic that is not an envelope is skipped: anyone may write to it."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from kernel.envelope import Envelope

READ_TIMEOUT_S = 30.0


class TopicNotRead(RuntimeError):
    """The topic does not exist, or was not read to its end within the deadline."""


def records_on(servers: str, topic: str, timeout_s: float = READ_TIMEOUT_S) -> list[bytes]:
    """Every record's value on `topic`, partition by partition, each in offset order."""
    consumer = KafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        allow_auto_create_topics=False,  # a missing topic is an answer, not something to make
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
        request_timeout_ms=5000,
        bootstrap_timeout_ms=int(timeout_s * 1000),
    )
    found: dict[int, list[bytes]] = {}
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        if not partitions:
            raise TopicNotRead(f"no topic {topic} on {servers}")
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, 0)
        deadline = time.monotonic() + timeout_s
        while not all(_at_end(consumer, tp) for tp in tps):
            if time.monotonic() > deadline:
                raise TopicNotRead(f"{topic} not read to its end within {timeout_s:.0f} s")
            for tp, records in consumer.poll(timeout_ms=100).items():
                found.setdefault(tp.partition, []).extend(r.value for r in records if r.value)
    finally:
        consumer.close()
    return [value for p in sorted(found) for value in found[p]]


def envelopes_on(servers: str, topic: str, timeout_s: float = READ_TIMEOUT_S) -> list[Envelope]:
    """The envelopes on `topic` (see `records_on`), as stored: `data` is the payload as it
    was written, never upcast."""
    envelopes = []
    for value in records_on(servers, topic, timeout_s):
        try:
            envelopes.append(Envelope.from_json(value))
        except ValidationError:
            continue
    return envelopes


def _at_end(consumer: KafkaConsumer, tp: TopicPartition) -> bool:
    highwater = consumer.highwater(tp)  # None until a fetch response for tp came back
    return highwater is not None and consumer.position(tp) >= highwater
