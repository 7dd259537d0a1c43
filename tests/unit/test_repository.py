"""The repository keeps the decoded events of recent streams and reads only what was
appended since — by itself or by another writer of the same store file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toy.points import CONTEXT, PointsAwarded, registry

from kernel.aggregate import Aggregate
from kernel.envelope import Envelope
from kernel.repository import Repository
from kernel.store import PendingEvent
from kernel.store.sqlite import SqliteEventStore


class Tally(Aggregate):
    kind = "tally"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.points: list[int] = []
        self.awarded_by: list[str] = []  # the stored ids of the events applied

    def when_PointsAwarded(self, event: PointsAwarded) -> None:
        self.points.append(event.points)
        self.awarded_by.append(self.applying_event_id)

    def award(self, points: int) -> None:
        self.record(PointsAwarded(member_id=self.id, points=points))


def test_a_load_sees_what_this_and_another_writer_appended_since(tmp_path: Path) -> None:
    mine = SqliteEventStore(tmp_path / "events.db")
    other = SqliteEventStore(tmp_path / "events.db")  # another process's store, same file
    repository = Repository(mine, registry)

    tally = repository.load(Tally, "s-1", "m1")
    tally.award(1)
    repository.save(tally, CONTEXT)
    assert repository.load(Tally, "s-1", "m1").points == [1]  # cached, then topped up

    stream = Tally.stream_of("s-1", "m1")
    other.append(stream, 1, [PendingEvent(PointsAwarded(member_id="m1", points=2))],
                 context=CONTEXT, partition_key="m1")  # fmt: skip
    again = repository.load(Tally, "s-1", "m1")
    assert (again.points, again.version) == ([1, 2], 2)
    again.award(3)
    repository.save(again, CONTEXT)
    assert repository.load(Tally, "s-1", "m1").points == [1, 2, 3]
    mine.close()
    other.close()


def test_a_replay_gives_each_event_its_stored_id_cached_or_read(tmp_path: Path) -> None:
    store = SqliteEventStore(tmp_path / "events.db")
    repository = Repository(store, registry)
    tally = repository.load(Tally, "s-1", "m1")
    tally.award(1)
    assert tally.awarded_by == [""]  # recorded, not yet stored
    saved = repository.save(tally, CONTEXT)
    tally = repository.load(Tally, "s-1", "m1")
    tally.award(2)
    saved_too = repository.save(tally, CONTEXT)
    stored = [str(e.event_id) for e in (*saved.envelopes, *saved_too.envelopes)]
    assert repository.load(Tally, "s-1", "m1").awarded_by == stored  # from what it kept
    assert Repository(store, registry).load(Tally, "s-1", "m1").awarded_by == stored  # read
    store.close()


def test_only_a_bounded_number_of_streams_is_kept(tmp_path: Path) -> None:
    store = SqliteEventStore(tmp_path / "events.db")
    repository = Repository(store, registry, cached_streams=2)
    for member in ("m1", "m2", "m3"):
        tally = repository.load(Tally, "s-1", member)
        tally.award(5)
        repository.save(tally, CONTEXT)
    assert repository.load(Tally, "s-1", "m1").points == [5]  # evicted, read again whole
    assert len(repository._events) == 2
    store.close()


class CountingStore(SqliteEventStore):
    """The real store, counting the envelopes it reads back."""

    read_back = 0

    def read_stream(self, stream_id: str, **options: Any) -> list[Envelope]:
        envelopes = super().read_stream(stream_id, **options)
        self.read_back += len(envelopes)
        return envelopes


def test_what_the_repository_appended_is_kept_without_reading_it_back(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "events.db")
    repository = Repository(store, registry)
    for points in (1, 2, 3):
        tally = repository.load(Tally, "s-1", "m1")
        tally.award(points)
        repository.save(tally, CONTEXT)

    again = repository.load(Tally, "s-1", "m1")
    assert (again.points, again.version, store.read_back) == ([1, 2, 3], 3, 0)
    fresh = Repository(store, registry).load(Tally, "s-1", "m1")  # what a replay sees
    assert (fresh.points, fresh.version) == (again.points, again.version)
    store.close()
