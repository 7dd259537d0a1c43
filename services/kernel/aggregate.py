"""Aggregates change only by applying their own events (replay and live share `apply`), and
one repository loads and saves them through any `EventStore`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from kernel.envelope import CommandContext, Envelope
from kernel.events import DomainEvent, EventRegistry
from kernel.store import AppendResult, EventStore, PendingEvent, StoredCommand

A = TypeVar("A", bound="Aggregate")
B = TypeVar("B", bound="Aggregate")
CACHED_STREAMS = 4096


class Aggregate:
    """Subclasses define `when_<EventClassName>(event)` methods; a command method checks the
    rules and calls `record(event)`, which applies it exactly as a replay would."""

    kind: ClassVar[str] = "aggregate"

    def __init__(self, school_id: str, id: str) -> None:
        self.school_id = school_id
        self.id = id
        self.version = 0
        self.pending: list[PendingEvent] = []
        # The stored id of the event a replay is applying ("" while recording): lets a
        # `when_` method remember which event decided something (the PeriodClosed a refusal
        # names).
        self.applying_event_id = ""

    @classmethod
    def stream_of(cls, school_id: str, id: str) -> str:
        return f"{school_id}/{cls.kind}/{id}"

    @property
    def stream_id(self) -> str:
        return self.stream_of(self.school_id, self.id)

    @property
    def partition_key(self) -> str:
        """The Kafka key of every event of this stream: the member it concerns, by default the
        aggregate's own id. Constant per stream, so a stream stays in one partition."""
        return self.id

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self.pending)

    def apply(self, event: DomainEvent) -> None:
        handler = getattr(self, f"when_{type(event).__name__}", None)
        if handler is None:
            raise TypeError(f"{type(self).__name__} cannot apply {type(event).__name__}")
        handler(event)

    def record(self, event: DomainEvent, occurred_at: datetime | None = None) -> None:
        self.apply(event)
        self.pending.append(PendingEvent(event, occurred_at))

    @classmethod
    def replay(
        cls: type[A],
        school_id: str,
        id: str,
        events: Iterable[DomainEvent],
        event_ids: Iterable[str] = (),
    ) -> A:
        """The aggregate after `events`, each applied with its stored id when `event_ids`
        gives it (in the same order)."""
        aggregate = cls(school_id, id)
        ids = iter(event_ids)
        for event in events:
            aggregate.applying_event_id = next(ids, "")
            aggregate.apply(event)
            aggregate.version += 1
        aggregate.applying_event_id = ""
        return aggregate


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


def result_of(aggregate: Aggregate, **extra: Any) -> dict[str, Any]:
    """The stored result of a command on `aggregate`: what a replayed command returns."""
    return {"id": aggregate.id, "stream_id": aggregate.stream_id, **extra}
