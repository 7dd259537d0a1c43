"""One repository loads aggregates and saves what they decided, through any `EventStore`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TypeVar

from kernel.aggregate import Aggregate
from kernel.envelope import CommandContext, Envelope
from kernel.events import DomainEvent, EventRegistry
from kernel.store.port import AppendResult, EventStore, StoredCommand

A = TypeVar("A", bound=Aggregate)
B = TypeVar("B", bound=Aggregate)
CACHED_STREAMS = 4096


class Repository:
    """Loads aggregates by replaying their streams, and saves what they decided.

    Events are facts, never changed: the decoded events of recently used streams are kept
    (`cached_streams` of them), so a load reads and decodes only the versions appended since
    by another writer of the store instead of the whole stream; what this repository appends
    is kept as it saves it, decoded from what the store wrote, as a replay would see it."""

    def __init__(
        self, store: EventStore, registry: EventRegistry, cached_streams: int = CACHED_STREAMS
    ) -> None:
        self.store = store
        self.registry = registry
        self._cached_streams = cached_streams
        # stream id -> its decoded events and their stored ids, in stream order
        self._events: OrderedDict[str, tuple[tuple[DomainEvent, str], ...]] = OrderedDict()

    def load(self, cls: type[A], school_id: str, id: str) -> A:
        """The aggregate as its stream has it (version 0, `exists` False, when there is none)."""
        kept = self._stream_events(cls.stream_of(school_id, id))
        return cls.replay(school_id, id, (e for e, _ in kept), (i for _, i in kept))

    def load_two(
        self, first: tuple[type[A], str, str], second: tuple[type[B], str, str]
    ) -> tuple[A, B]:
        """Two aggregates (class, school, id) as their streams have them."""
        return self.load(*first), self.load(*second)

    def _stream_events(self, stream_id: str) -> tuple[tuple[DomainEvent, str], ...]:
        known = self._events.pop(stream_id, ())
        newer = self.store.read_stream(stream_id, after_version=len(known))
        events = known + self._decoded(newer)
        self._events[stream_id] = events  # most recently used last
        if len(self._events) > self._cached_streams:
            self._events.popitem(last=False)
        return events

    def save(
        self,
        aggregate: Aggregate,
        context: CommandContext,
        *,
        command: StoredCommand | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Append the aggregate's pending events at the version it was loaded at (or at the
        caller's `expected_version`, which must then match)."""
        result = self.store.append(
            aggregate.stream_id,
            aggregate.version if expected_version is None else expected_version,
            aggregate.pending,
            context=context,
            partition_key=aggregate.partition_key,
            command=command,
        )
        aggregate.version = result.stream_version
        aggregate.pending = []
        self._keep(aggregate.stream_id, result)
        return result

    def _keep(self, stream_id: str, result: AppendResult) -> None:
        """Add what was just appended to the kept stream, if it is kept up to just before."""
        known = self._events.get(stream_id)
        envelopes = result.envelopes
        if known is None or not envelopes or envelopes[0].stream_version != len(known) + 1:
            return
        self._events[stream_id] = known + self._decoded(envelopes)

    def _decoded(self, envelopes: Iterable[Envelope]) -> tuple[tuple[DomainEvent, str], ...]:
        return tuple((self.registry.decode(e), str(e.event_id)) for e in envelopes)
