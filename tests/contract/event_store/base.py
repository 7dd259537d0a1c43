"""What every part of the event-store contract shares: the backend fixture, a few event types and
helpers that keep the tests short."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from kernel.envelope import Actor, CommandContext, Role
from kernel.events import DomainEvent, EventRegistry
from kernel.store import AppendResult, EventStore, PendingEvent, StoredCommand

registry = EventRegistry()


@registry.event("PledgeMade")
class PledgeMade(DomainEvent):
    member_id: str
    text: str


@registry.event("PointsAwarded")
class PointsAwarded(DomainEvent):
    member_id: str
    points: float


@registry.event("NoteAttached")
class NoteAttached(DomainEvent):
    """Carries any value: the atomicity tests give it one that cannot be serialised."""

    payload: Any


class NeverRegistered(DomainEvent):
    member_id: str


SECRETARY = CommandContext(
    school_id="school-1",
    actor=Actor(id="secretary-1", role=Role.SECRETARY),
    correlation_id="correlation-1",
    causation_id="cause-1",
)

OpenStore = Callable[[], EventStore]


def pledge(text: str = "按时参加组织生活", member: str = "member-1") -> PendingEvent:
    return PendingEvent(PledgeMade(member_id=member, text=text))


def pledges(count: int) -> list[PendingEvent]:
    return [pledge(f"pledge {n}") for n in range(count)]


def unserialisable() -> PendingEvent:
    return PendingEvent(NoteAttached(payload=object()))


def append(
    store: EventStore,
    stream_id: str,
    expected_version: int | None,
    events: list[PendingEvent],
    *,
    command: StoredCommand | None = None,
    context: CommandContext = SECRETARY,
    partition_key: str = "member-1",
) -> AppendResult:
    return store.append(
        stream_id,
        expected_version,
        events,
        context=context,
        partition_key=partition_key,
        command=command,
    )


def assert_nothing_written(store: EventStore, head_before: int) -> None:
    assert store.head_position() == head_before
    assert store.read_all(after_position=head_before) == []


class StoreBackend(Protocol):
    """Opens stores of one backend: `open(tmp_path)` over storage of its own for that path,
    empty at first. Calling it again with the same path opens another store over the same
    data: a second process, or the same service after a restart."""

    name: str

    def open(self, tmp_path: Path) -> EventStore: ...


class StoreContract:
    """The tests of one part of the contract; the `store_backend` fixture (parametrized over
    every backend, tests/integration/stores/conftest.py) says which backend they run on.
    `close` may be called twice."""

    @pytest.fixture
    def open_store(self, store_backend: StoreBackend, tmp_path: Path) -> Iterator[OpenStore]:
        opened: list[EventStore] = []

        def open_one() -> EventStore:
            opened.append(store_backend.open(tmp_path))
            return opened[-1]

        yield open_one
        for store in opened:
            store.close()

    @pytest.fixture
    def store(self, open_store: OpenStore) -> EventStore:
        return open_store()
