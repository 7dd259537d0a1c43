"""What the evaluations topic already holds, so that a replay sends only what is new.

Every start replays the inputs from their beginning (scoring.adapters.faust_app) and recomputes
every EvaluationUpdated, PublicationIssued and PublicationAmended, each with a deterministic
event id (uuid5 over stream, version and content). At every assignment the worker reads the ids
on the evaluations topic, to the highwater of its fetch responses (ListOffsets is unsound on the
embedded broker), and sends no message whose id is there; the same read notes the closes the
publications there name (`PublishedCloses`). The topic itself is the record of what was emitted,
so nothing can disagree with it: a message lost to a SIGKILL before the broker acknowledged it
is not on the topic and the replay sends it; a broker that lost its data (the in-memory embedded
one restarted) is sent everything again. A send counts once the broker acknowledged it: one it
refused (a topic being replaced after a broker loss) is sent again, a moment later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from contracts.periods import PeriodKind
from scoring.domain.publication import Close

log = logging.getLogger("vanguard.scoring")
READ_TIMEOUT_S = 120.0
RESEND_AFTER_S = 0.5  # a refused send goes again after this (the topic is being replaced)


def event_ids_on(
    servers: str,
    topic: str,
    timeout_s: float = READ_TIMEOUT_S,
    id_of: Callable[[Any], str] | None = None,
    also: Callable[[Any], None] | None = None,
) -> set[str]:
    """Every event id on `topic` (or what `id_of` reads from each record), read from offset 0
    to the fetch highwater of each partition (as far as it got within `timeout_s`: the ids
    found are on the topic all the same); `also` sees every record read."""
    read_id = id_of or (lambda record: event_id_of(record.value))
    consumer = KafkaConsumer(
        bootstrap_servers=servers,
        enable_auto_commit=False,
        allow_auto_create_topics=False,  # a lost topic is scoring's to make, with its count
        auto_offset_reset="earliest",  # offset 0 of a trimmed log: its first record
        fetch_max_wait_ms=20,
        request_timeout_ms=5000,
        bootstrap_timeout_ms=5000,  # a stop waits for this thread; unread ids are re-sent
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
                ids.update(read_id(record) for record in records)
                if also is not None:
                    for record in records:
                        also(record)
    finally:
        consumer.close()
    ids.discard("")
    return ids


def _at_end(consumer: KafkaConsumer, tp: TopicPartition) -> bool:
    highwater = consumer.highwater(tp)  # None until a fetch response for tp came back
    return highwater is not None and consumer.position(tp) >= highwater


def event_id_of(value: bytes | None) -> str:
    """The envelope's event id; "" for a message that is not one (anyone may write to a
    topic: junk there must not stop the read)."""
    try:
        raw = json.loads(value or b"{}")
    except ValueError:
        return ""
    return str(raw.get("event_id", "")) if isinstance(raw, dict) else ""


class PublishedCloses:
    """The closes of the publications on the evaluations topic (each PublicationIssued names
    its PeriodClosed, its position, and carries its time as the envelope's), found by the
    read of what was emitted. A replay knows them before it applies a fact, so a fact after
    a published close sends no update for that period, whichever partition the replay
    reaches first — as it sent none when it arrived live."""

    def __init__(self) -> None:
        self.by_period: dict[str, Close] = {}  # `<school>/<period>` → its close

    def note(self, record: Any) -> None:
        try:
            raw = json.loads(record.value or b"{}")
            if not isinstance(raw, dict) or raw.get("event_type") != "PublicationIssued":
                return
            data = raw["data"]
            close = Close(
                school_id=str(raw["school_id"]),
                period=str(data["period"]),
                kind=PeriodKind(data["kind"]),
                event_id=str(data["closed_by"]),
                position=int(data["close_position"]),
                recorded_at=datetime.fromisoformat(raw["recorded_at"]).isoformat(),
            )
        except (ValueError, KeyError, TypeError):  # not a publication scoring issued: skip
            return
        self.by_period[f"{close.school_id}/{close.period}"] = close


class EmittedLog:
    """The ids on the evaluations topic plus what this worker sent since it read them."""

    def __init__(
        self, read: Callable[[], set[str]], resend_after_s: float = RESEND_AFTER_S
    ) -> None:
        self._read_topic = read
        self._resend_after_s = resend_after_s
        self.ids: set[str] = set()
        self.refused = 0  # sends the broker refused, each sent again
        self._reading: asyncio.Future[set[str]] | None = None
        self._resending: set[asyncio.Task[bool]] = set()

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
        """Send unless `event_id` was emitted already; whether it was sent. `send` answers
        once the message is queued, with the future of its acknowledgement (faust's
        `Topic.send`): a refusal takes the id out again and sends the message once more."""
        if event_id in await self.known():
            return False
        acknowledgement = await send()
        self.ids.add(event_id)
        if isinstance(acknowledgement, asyncio.Future):
            acknowledgement.add_done_callback(partial(self._acknowledged, event_id, send))
        return True

    def _acknowledged(
        self, event_id: str, send: Callable[[], Awaitable[object]], ack: asyncio.Future[object]
    ) -> None:
        refusal = "cancelled" if ack.cancelled() else ack.exception()
        if refusal is None:
            return
        self.refused += 1
        self.ids.discard(event_id)
        log.warning("the broker refused %s (%s); sending it again", event_id, refusal)
        task = asyncio.ensure_future(self._send_again(event_id, send))
        self._resending.add(task)
        task.add_done_callback(self._resending.discard)

    async def _send_again(self, event_id: str, send: Callable[[], Awaitable[object]]) -> bool:
        while True:  # until queued: the producer may be reconnecting
            await asyncio.sleep(self._resend_after_s)
            try:
                return await self.send_new(event_id, send)
            except Exception as exc:
                log.warning("could not send %s again (%s); retrying", event_id, exc)
