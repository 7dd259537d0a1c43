"""What the evaluations topic already holds, so that a replay sends only what is new.

Every start replays the inputs from their beginning (scoring.stream.replay) and recomputes
every EvaluationUpdated and PublicationIssued, each with a deterministic event id (uuid5 over
stream, version and content). At every assignment the worker reads the ids on the evaluations
topic, to the highwater of its fetch responses (ListOffsets is unsound on the embedded broker),
and sends no message whose id is there. The topic itself is the record of what was emitted,
so nothing can disagree with it: a message lost to a SIGKILL before the broker acknowledged it
is not on the topic and the replay sends it; a broker that lost its data (the in-memory
embedded one restarted) is sent everything again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable

from kafka import KafkaConsumer, TopicPartition

log = logging.getLogger("vanguard.scoring")
READ_TIMEOUT_S = 120.0


def event_ids_on(servers: str, topic: str, timeout_s: float = READ_TIMEOUT_S) -> set[str]:
    """Every event id on `topic`, read from offset 0 to the fetch highwater of each partition
    (as far as it got within `timeout_s`: the ids found are on the topic all the same)."""
    consumer = KafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # offset 0 of a trimmed log: its first record
        fetch_max_wait_ms=20,
        request_timeout_ms=5000,
    )
    ids: set[str] = set()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, 0)
        deadline = time.monotonic() + timeout_s
        while not all(_at_end(consumer, tp) for tp in tps):
            if time.monotonic() > deadline:
                log.warning(
                    "read %d ids of %s before the deadline; the rest may be re-sent",
                    len(ids),
                    topic,
                )
                break
            for records in consumer.poll(timeout_ms=100).values():
                ids.update(_event_id(record.value) for record in records)
    finally:
        consumer.close()
    ids.discard("")
    return ids


def _at_end(consumer: KafkaConsumer, tp: TopicPartition) -> bool:
    highwater = consumer.highwater(tp)  # None until a fetch response for tp came back
    return highwater is not None and consumer.position(tp) >= highwater


def _event_id(value: bytes | None) -> str:
    try:
        return str(json.loads(value or b"{}").get("event_id", ""))
    except ValueError:
        return ""


class EmittedLog:
    """The ids on the evaluations topic plus what this worker sent since it read them."""

    def __init__(self, read: Callable[[], set[str]]) -> None:
        self._read_topic = read
        self.ids: set[str] = set()
        self._reading: asyncio.Future[set[str]] | None = None

    def reread(self, flush: Callable[[], Awaitable[None]]) -> None:
        """Read the topic again before the next send (an assignment: the replay starts)."""
        self._reading = asyncio.ensure_future(self._read(flush))

    async def _read(self, flush: Callable[[], Awaitable[None]]) -> set[str]:
        try:
            await flush()  # what this worker sent before is on the topic when we read it
            return await asyncio.to_thread(self._read_topic)
        except Exception:  # broker unreachable: send everything, consumers drop duplicates
            log.warning("could not read what was emitted; the replay re-sends it", exc_info=True)
            return set()

    async def known(self) -> set[str]:
        """The ids not to send again; waits for a read in progress (a newer one wins)."""
        while self._reading is not None:
            reading = self._reading
            found = await reading
            if self._reading is reading:
                self.ids, self._reading = found, None
        return self.ids

    async def send_new(self, event_id: str, send: Callable[[], Awaitable[object]]) -> bool:
        """Send unless `event_id` was emitted already; whether it was sent."""
        if event_id in await self.known():
            return False
        await send()
        self.ids.add(event_id)
        return True
