"""What the handlers are given and send through: a message as an agent read it, and the
outputs the adapters provide (scoring.adapters.outputs, scoring.adapters.dead_letters,
scoring.adapters.pledges_head)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from kernel.envelope import Envelope
from scoring.domain.publication import Close

# who gives up on a message, as its dead letter names it
INPUTS, CLOSE_REQUESTS, REPLIES = "scoring.inputs", "scoring.close-requests", "scoring.replies"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message an agent read: where it came from, its key and its bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


class Outputs(Protocol):
    async def emit(self, envelope: Envelope) -> bool:
        """Send to the evaluations topic unless it holds this message already; whether sent."""

    async def send_close_request(self, key: bytes, value: bytes, partition: int) -> None: ...

    async def send_partition_reply(self, key: bytes, value: bytes) -> None: ...

    async def published_closes(self) -> Mapping[str, Close]:
        """The closes of the publications on the evaluations topic (`<school>/<period>`)."""


class DeadLetters(Protocol):
    async def park(
        self,
        exc: Exception,
        what: str,
        *,
        consumer: str,
        source_topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        event_id: str = "",
    ) -> None: ...


class PledgesHeads(Protocol):
    async def head(self, school_id: str) -> int | None: ...


async def park(
    dead_letters: DeadLetters,
    exc: Exception,
    consumer: str,
    delivery: Delivery,
    *,
    what: str = "cannot apply",
    event_id: str = "",
) -> None:
    """Set a message this worker read aside as it came, with where it came from."""
    await dead_letters.park(
        exc,
        what,
        consumer=consumer,
        source_topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
        key=delivery.key,
        value=delivery.value,
        event_id=event_id,
    )


def close_id(value: bytes | None) -> str:
    """The PeriodClosed a request or a reply is about: one verdict per close, however often
    the close asks again."""
    try:
        raw = json.loads(value or b"")
        return str(raw.get("close", raw)["event_id"])
    except Exception:
        return ""
