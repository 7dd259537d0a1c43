"""What a producer outside the suite may put on a topic the suite reads: envelopes of the right
shape with data no service wrote, and bytes that are not JSON at all; and the dead letters the
suite's consumers wrote about them, read back from the real topic."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from kernel.envelope import Actor, Envelope, Role
from kernel.topics import DEAD_LETTERS
from toy.points import Record, produce, read_topic

NOT_JSON = b"\x00\xff not an envelope"


def outside_envelope(
    event_type: str, *, school: str, stream_id: str, key: str, data: dict[str, Any]
) -> Envelope:
    """A first version of a stream of its own, as an outside producer would shape it."""
    now = datetime.now(UTC)
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=1,
        school_id=school,
        stream_id=stream_id,
        stream_version=1,
        partition_key=key,
        occurred_at=now,
        recorded_at=now,
        actor=Actor(id="outsider", role=Role.SERVICE),
        correlation_id="outside",
        data=data,
    )


def publish_raw(servers: str, topic: str, key: str, values: list[bytes]) -> None:
    """Produce the values in order under `key` (so on one partition), acknowledged."""
    produce(servers, topic, [(key.encode(), value, None) for value in values])


def dead_letters_about(
    servers: str, key: str, consumer: str, partitions: int, at_least: int, timeout_s: float = 20.0
) -> list[Record]:
    """The dead letters `consumer` wrote about messages keyed `key`, once there are at least
    `at_least` of them and no more came for a moment."""
    deadline = time.monotonic() + timeout_s
    while True:
        letters = [
            r
            for r in read_topic(servers, DEAD_LETTERS, partitions, at_least=0, timeout_s=1.0)
            if r.key == key.encode() and r.headers.get("consumer") == consumer
        ]
        if len(letters) >= at_least or time.monotonic() > deadline:
            return letters
