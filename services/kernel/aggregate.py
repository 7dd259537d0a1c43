"""Aggregates change only by applying their own events: replay and live share `apply`. Plain
Python: a domain package imports this without any store (`kernel.repository` loads and saves
them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from kernel.events import DomainEvent
from kernel.store.port import PendingEvent

A = TypeVar("A", bound="Aggregate")


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


def result_of(aggregate: Aggregate, **extra: Any) -> dict[str, Any]:
    """The stored result of a command on `aggregate`: what a replayed command returns."""
    return {"id": aggregate.id, "stream_id": aggregate.stream_id, **extra}
