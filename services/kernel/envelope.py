"""The envelope every event travels in, on Kafka and out of the store
(docs/design.md#events-and-topics)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Role(StrEnum):
    PUBLIC = "public"
    MEMBER = "member"
    SECRETARY = "secretary"
    COMMITTEE = "committee"
    SERVICE = "service"


class Actor(BaseModel):
    """Who caused an event: a principal's subject and the role they acted in."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role


class Envelope(BaseModel):
    """One stored event with its metadata. `data` is the event body as JSON-able dict."""

    # The JSON `from_json` read the envelope from: not a field (not compared, not dumped, not
    # copied), so a consumer that stores what it received need not serialise it again.
    __slots__ = ("_received",)
    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    schema_version: int = Field(ge=1)
    school_id: str
    stream_id: str
    stream_version: int = Field(ge=1)
    partition_key: str  # the member the event concerns, else the stream: its Kafka key
    occurred_at: AwareDatetime  # a naive time names no instant
    recorded_at: AwareDatetime
    actor: Actor
    correlation_id: str
    causation_id: str | None = None
    position: int | None = None  # global order in the writing service's store
    data: dict[str, Any]

    def to_json(self) -> bytes:
        """The envelope as JSON: the bytes it was read from, if `from_json` made it."""
        received: bytes | None = getattr(self, "_received", None)
        return received if received is not None else self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        envelope = cls.model_validate_json(raw)
        received = raw.encode() if isinstance(raw, str) else raw
        object.__setattr__(envelope, "_received", received)  # frozen: fields only
        return envelope


def utcnow() -> datetime:
    return datetime.now(UTC)


class CommandContext(BaseModel):
    """Metadata a command carries into every event it appends."""

    model_config = ConfigDict(frozen=True)

    school_id: str
    actor: Actor
    correlation_id: str
    causation_id: str | None = None
