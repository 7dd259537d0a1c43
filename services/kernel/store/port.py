"""The event-store port every backend implements (docs/design.md#store-relay-consumers)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any, Protocol

from kernel.envelope import CommandContext, Envelope
from kernel.events import DomainEvent

ADDED_LATER = "vanguard.added_later"  # dataclass field metadata key: see `added_later`
_ABSENT = object()


def added_later(default: Any = "") -> Any:
    """A request field added after requests were first fingerprinted: left out of the
    fingerprint while it holds its default, so a retry from before the field existed (or one
    that does not use it) still matches its stored key."""
    return field(default=default, metadata={ADDED_LATER: True})


def _fields_or_text(value: Any) -> Any:
    names = _field_names(type(value))
    if names is not None:
        return {
            name: getattr(value, name)
            for name, omitted in names
            if omitted is _ABSENT or getattr(value, name) != omitted
        }
    return str(value)


def _field_names(cls: type) -> tuple[tuple[str, Any], ...] | None:
    """A dataclass's field names, each with the default that leaves it out of the fingerprint
    (`_ABSENT` for none), found once per class (`fields` costs more than the hash)."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = (
            tuple(
                (f.name, f.default if f.metadata.get(ADDED_LATER) else _ABSENT) for f in fields(cls)
            )
            if is_dataclass(cls)
            else None
        )
        _FIELD_NAMES[cls] = names
        return names


_FIELD_NAMES: dict[type, tuple[tuple[str, Any], ...] | None] = {}


# One encoder: json.dumps builds a new one per call, and converting a command with
# dataclasses.asdict first (deep copies) cost more than the hash.
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, default=_fields_or_text, ensure_ascii=False)


@dataclass(frozen=True)
class PendingEvent:
    """An event about to be appended, with when it happened in the world (default: now)."""

    event: DomainEvent
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class StoredCommand:
    """What an idempotency key remembers: a fingerprint of the request and its result."""

    key: str
    fingerprint: str
    result: dict[str, Any]

    @staticmethod
    def fingerprint_of(request: Any) -> str:
        """SHA-256 of the request as sorted JSON; a dataclass counts as its fields (what
        `dataclasses.asdict` gives), anything else JSON cannot hold as its `str`. Stored with
        every key, so the text must never change: a retry after an upgrade must match."""
        return hashlib.sha256(_FINGERPRINT_JSON.encode(request).encode()).hexdigest()


@dataclass(frozen=True)
class AppendResult:
    stream_id: str
    stream_version: int  # the stream's version after the append
    envelopes: tuple[Envelope, ...] = ()
    result: dict[str, Any] = field(default_factory=dict)  # the command's result
    replayed: bool = False  # True: the idempotency key was seen before; nothing appended

    @property
    def last_position(self) -> int | None:
        return self.envelopes[-1].position if self.envelopes else None


class EventStore(Protocol):
    """Append-only, per-stream optimistic concurrency, one global order."""

    def append(
        self,
        stream_id: str,
        expected_version: int | None,
        events: list[PendingEvent],
        *,
        context: CommandContext,
        partition_key: str,
        command: StoredCommand | None = None,
    ) -> AppendResult:
        """Append atomically. `expected_version` is the stream's current version (0: new
        stream; None: no check). A stale one raises ConcurrencyConflict and writes nothing.
        With `command`, its key is recorded in the same transaction; a key seen before returns
        the original result and appends nothing (a different request under it: InvalidArgument).
        """
        ...

    def recall(self, key: str, fingerprint: str) -> StoredCommand | None:
        """The stored command for an idempotency key, or None. Raises InvalidArgument when the
        key was used for a different request."""
        ...

    def stream_version(self, stream_id: str) -> int: ...

    def read_stream(
        self,
        stream_id: str,
        *,
        after_version: int = 0,
        up_to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[Envelope]:
        """The stream in version order: from just after `after_version` (the whole stream by
        default), cut at a version, or as it stood at a recorded time."""
        ...

    def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        """Events in global order with position > after_position."""
        ...

    def head_position(self) -> int: ...

    def get_checkpoint(self, name: str) -> str | None: ...

    def put_checkpoint(self, name: str, value: str) -> None: ...

    def close(self) -> None: ...
