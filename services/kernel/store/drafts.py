"""What an append writes, prepared before any lock is taken: every event serialised, given an
id and its times in UTC. A draft that cannot be stored fails here, before a transaction
begins. Backend-neutral, so that every backend stores events alike."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pydantic_core

from kernel.envelope import CommandContext, Envelope
from kernel.errors import ConcurrencyConflict, InvalidArgument
from kernel.events import encode
from kernel.store.port import PendingEvent, StoredCommand


def utc(moment: datetime) -> datetime:
    """`moment` in UTC. A naive time names no instant, so it is refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC text (`2025-07-01T01:30:15.123456+00:00`): string order is time order.
    Formatted by hand: a consumer stamps every event, and `isoformat` costs twice as much."""
    offset = moment.utcoffset()
    if offset is None or offset:
        moment = utc(moment)  # refuses a naive time
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00" % (  # noqa: UP031 (faster than f"")
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
    )


def json_text(data: dict[str, Any]) -> str:
    """Compact JSON, non-ASCII kept as is. NaN and Infinity are refused: they are not JSON,
    and a consumer could not read them back."""
    raw = pydantic_core.to_json(data)  # several times faster than json.dumps
    if b"NaN" in raw or b"Infinity" in raw:  # rare: a number, or only a word in a string?
        json.dumps(data, allow_nan=False)  # raises ValueError for a number
    return raw.decode()


@dataclass(slots=True)
class Draft:
    event_id: uuid.UUID
    event_type: str
    schema_version: int
    data: dict[str, Any]
    text: str  # `data` as JSON
    occurred_at: datetime | None  # UTC; None: the moment it is recorded

    @classmethod
    def of(cls, pending: PendingEvent) -> Draft:
        event = pending.event
        if not event.event_type:
            raise ValueError(f"{type(event).__name__} is not a registered event type")
        data = encode(event)
        occurred_at = None if pending.occurred_at is None else utc(pending.occurred_at)
        return cls(
            uuid.uuid4(), event.event_type, event.schema_version, data, json_text(data), occurred_at
        )


@dataclass(slots=True)
class Batch:
    """One append: its drafts and what they share."""

    stream_id: str
    partition_key: str
    context: CommandContext
    drafts: list[Draft]

    @classmethod
    def of(
        cls,
        stream_id: str,
        partition_key: str,
        context: CommandContext,
        events: list[PendingEvent],
    ) -> Batch:
        return cls(stream_id, partition_key, context, [Draft.of(e) for e in events])

    def envelope(
        self, draft: Draft, version: int, position: int | None, recorded_at: datetime
    ) -> Envelope:
        """The envelope of a draft just written, equal to reading it back. Validated after
        the write, as before: nothing in it can fail that was not checked already (registered
        type, schema version >= 1, aware times, a validated context)."""
        context = self.context
        return Envelope(
            event_id=draft.event_id,
            event_type=draft.event_type,
            schema_version=draft.schema_version,
            school_id=context.school_id,
            stream_id=self.stream_id,
            stream_version=version,
            partition_key=self.partition_key,
            occurred_at=recorded_at if draft.occurred_at is None else draft.occurred_at,
            recorded_at=recorded_at,
            actor=context.actor,
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
            position=position,
            data=draft.data,
        )


def conflict(stream_id: str, expected: int, reached: int | None) -> ConcurrencyConflict:
    """The error of an append at a stale version (`reached`: the stream's version, if known)."""
    found = "was appended to concurrently" if reached is None else f"has reached version {reached}"
    return ConcurrencyConflict(
        f"stream {stream_id} {found}, expected version {expected}", field="expected_version"
    )


def same_request(stored: StoredCommand | None, fingerprint: str) -> StoredCommand | None:
    """The command stored under an idempotency key, if any, when it is this request; a key
    used for a different request is refused (every backend answers it the same way)."""
    if stored is not None and stored.fingerprint != fingerprint:
        raise InvalidArgument(
            "this idempotency key was already used for a different request",
            field="idempotency_key",
        )
    return stored
