"""An event store in memory, for domain-level tests and tools: the same contract as the
durable backends (tests/contract/event_store), nothing kept after the process ends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kernel.envelope import CommandContext, Envelope, utcnow
from kernel.store.drafts import Batch, conflict, same_request, utc
from kernel.store.port import AppendResult, PendingEvent, StoredCommand


@dataclass
class MemoryStorage:
    """What the stores over it share, as the stores of two processes share one database."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    events: list[Envelope] = field(default_factory=list)  # position n at index n - 1
    streams: dict[str, list[Envelope]] = field(default_factory=dict)
    commands: dict[str, StoredCommand] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)


class MemoryEventStore:
    """Thread-safe: every append and read holds the storage's lock."""

    def __init__(self, storage: MemoryStorage | None = None) -> None:
        self.storage = storage if storage is not None else MemoryStorage()
        self._listeners: list[Callable[[], None]] = []

    def add_append_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

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
        batch = Batch.of(stream_id, partition_key, context, events)
        storage = self.storage
        with storage.lock:
            stream = storage.streams.get(stream_id, [])
            if command is not None:
                original = self._recall(command.key, command.fingerprint)
                if original is not None:  # a repeated key wins over a stale version
                    return AppendResult(stream_id, len(stream), (), original.result, replayed=True)
            if expected_version is not None and expected_version != len(stream):
                raise conflict(stream_id, expected_version, len(stream))
            recorded_at = utcnow()
            envelopes = tuple(
                batch.envelope(draft, len(stream) + n, len(storage.events) + n, recorded_at)
                for n, draft in enumerate(batch.drafts, 1)
            )
            storage.events.extend(envelopes)
            storage.streams[stream_id] = stream + list(envelopes)
            if command is not None:
                storage.commands[command.key] = command
        if envelopes:
            for listener in self._listeners:
                listener()
        result = {} if command is None else command.result
        return AppendResult(stream_id, len(stream) + len(envelopes), envelopes, result)

    def _recall(self, key: str, fingerprint: str) -> StoredCommand | None:
        return same_request(self.storage.commands.get(key), fingerprint)

    def recall(self, key: str, fingerprint: str) -> StoredCommand | None:
        with self.storage.lock:
            return self._recall(key, fingerprint)

    def stream_version(self, stream_id: str) -> int:
        with self.storage.lock:
            return len(self.storage.streams.get(stream_id, ()))

    def read_stream(
        self,
        stream_id: str,
        *,
        after_version: int = 0,
        up_to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[Envelope]:
        cut = None if as_of is None else utc(as_of)
        with self.storage.lock:
            stream = self.storage.streams.get(stream_id, [])
            end = len(stream) if up_to_version is None else max(0, up_to_version)
            chosen = stream[after_version:end]
        return [e for e in chosen if cut is None or e.recorded_at <= cut]

    def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        with self.storage.lock:
            return self.storage.events[after_position : after_position + limit]

    def head_position(self) -> int:
        with self.storage.lock:
            return len(self.storage.events)

    def get_checkpoint(self, name: str) -> str | None:
        with self.storage.lock:
            return self.storage.checkpoints.get(name)

    def put_checkpoint(self, name: str, value: str) -> None:
        with self.storage.lock:
            self.storage.checkpoints[name] = value

    def close(self) -> None:
        """Nothing to release: the storage lives as long as someone holds it."""
