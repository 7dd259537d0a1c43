"""Reading: a stream whole, up to a version or as it stood at a time; everything in global
order after a position."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from contract.event_store.base import StoreContract, append, pledge, pledges
from kernel.envelope import utcnow
from kernel.store import EventStore

CHINA = timezone(timedelta(hours=8))


def later_than(moment: datetime) -> None:
    """Wait until the clock has moved past `moment`, so the next append is recorded after it."""
    while utcnow() <= moment:
        pass


class ReadContract(StoreContract):
    def test_a_stream_reads_back_in_version_order_without_other_streams(
        self, store: EventStore
    ) -> None:
        append(store, "school-1/pledge/a", 0, [pledge("a1")])
        append(store, "school-1/pledge/b", 0, [pledge("b1")])
        append(store, "school-1/pledge/a", 1, [pledge("a2"), pledge("a3")])

        stream = store.read_stream("school-1/pledge/a")
        assert [e.stream_version for e in stream] == [1, 2, 3]
        assert [e.data["text"] for e in stream] == ["a1", "a2", "a3"]

    def test_an_unknown_stream_is_empty_at_version_zero(self, store: EventStore) -> None:
        assert store.read_stream("school-1/pledge/none") == []
        assert store.stream_version("school-1/pledge/none") == 0

    def test_a_stream_reads_up_to_a_version(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, pledges(3))

        assert [
            e.stream_version for e in store.read_stream("school-1/pledge/a", up_to_version=2)
        ] == [1, 2]
        assert store.read_stream("school-1/pledge/a", up_to_version=0) == []
        assert len(store.read_stream("school-1/pledge/a", up_to_version=9)) == 3

    def test_a_stream_reads_from_after_a_version(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, pledges(4))

        after_two = store.read_stream("school-1/pledge/a", after_version=2)
        assert [e.stream_version for e in after_two] == [3, 4]
        assert store.read_stream("school-1/pledge/a", after_version=4) == []
        assert [
            e.stream_version
            for e in store.read_stream("school-1/pledge/a", after_version=1, up_to_version=3)
        ] == [2, 3]

    def test_a_stream_reads_as_it_stood_at_a_recorded_time(self, store: EventStore) -> None:
        before = utcnow()
        later_than(before)
        first = append(store, "school-1/pledge/a", 0, pledges(2))
        noted = utcnow()
        later_than(noted)
        append(store, "school-1/pledge/a", 2, pledges(2))

        assert store.read_stream("school-1/pledge/a", as_of=noted) == list(first.envelopes)
        assert store.read_stream("school-1/pledge/a", as_of=noted.astimezone(CHINA)) == list(
            first.envelopes
        )
        assert store.read_stream("school-1/pledge/a", as_of=before) == []
        assert len(store.read_stream("school-1/pledge/a", as_of=utcnow())) == 4
        cut = store.read_stream("school-1/pledge/a", up_to_version=1, as_of=utcnow())
        assert [e.stream_version for e in cut] == [1]

    def test_an_event_is_visible_as_of_its_own_recorded_time(self, store: EventStore) -> None:
        (envelope,) = append(store, "school-1/pledge/a", 0, [pledge()]).envelopes
        assert store.read_stream("school-1/pledge/a", as_of=envelope.recorded_at) == [envelope]

    def test_everything_reads_in_global_order_after_a_position(self, store: EventStore) -> None:
        for round_ in range(3):
            for stream in ("school-1/pledge/a", "school-1/pledge/b"):
                append(store, stream, round_, [pledge(f"{stream} {round_}")])

        everything = store.read_all()
        assert [e.position for e in everything] == [1, 2, 3, 4, 5, 6]
        assert [e.data["text"] for e in everything][:3] == [
            "school-1/pledge/a 0",
            "school-1/pledge/b 0",
            "school-1/pledge/a 1",
        ]
        assert store.read_all(after_position=2, limit=3) == everything[2:5]
        assert store.read_all(after_position=6) == []

    def test_paging_through_everything_meets_each_event_once(self, store: EventStore) -> None:
        for n in range(5):
            append(store, f"school-1/pledge/{n}", 0, pledges(n + 1))

        paged, cursor = [], 0
        while page := store.read_all(after_position=cursor, limit=4):
            assert len(page) <= 4
            paged.extend(page)
            cursor = page[-1].position or 0
        assert paged == store.read_all(limit=100)
        assert len(paged) == 15

    def test_head_position_is_the_last_position(self, store: EventStore) -> None:
        assert store.head_position() == 0
        append(store, "school-1/pledge/a", 0, pledges(2))
        result = append(store, "school-1/pledge/b", 0, pledges(1))
        assert store.head_position() == result.last_position == 3

    def test_a_naive_time_is_refused(self, store: EventStore) -> None:
        with pytest.raises(ValueError):
            store.read_stream("school-1/pledge/a", as_of=datetime(2025, 1, 1))
