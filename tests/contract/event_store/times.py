"""Times: when it happened in the world (occurred_at) is kept apart from when the store took
it (recorded_at); every time is timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from contract.event_store.base import (
    PledgeMade,
    StoreContract,
    append,
    assert_nothing_written,
    pledge,
)
from kernel.envelope import utcnow
from kernel.store import EventStore, PendingEvent

CHINA = timezone(timedelta(hours=8))
MEETING = datetime(2025, 7, 1, 9, 30, 15, 123456, tzinfo=CHINA)


def at(moment: datetime) -> PendingEvent:
    return PendingEvent(PledgeMade(member_id="member-1", text="按时参加组织生活"), moment)


class TimeContract(StoreContract):
    def test_occurred_at_is_kept_apart_from_recorded_at(self, store: EventStore) -> None:
        before = utcnow()
        (written,) = append(store, "school-1/pledge/a", 0, [at(MEETING)]).envelopes
        after = utcnow()

        (read,) = store.read_stream("school-1/pledge/a")
        for envelope in (written, read):
            assert envelope.occurred_at == MEETING
            assert before <= envelope.recorded_at <= after

    def test_times_come_back_in_utc(self, store: EventStore) -> None:
        (written,) = append(store, "school-1/pledge/a", 0, [at(MEETING)]).envelopes
        (read,) = store.read_stream("school-1/pledge/a")
        for envelope in (written, read):
            assert envelope.occurred_at.utcoffset() == timedelta(0)
            assert envelope.recorded_at.utcoffset() == timedelta(0)
        assert read.occurred_at == MEETING.astimezone(UTC)
        assert written.to_json() == read.to_json()

    def test_occurred_at_defaults_to_recorded_at(self, store: EventStore) -> None:
        (envelope,) = append(store, "school-1/pledge/a", 0, [pledge()]).envelopes
        assert envelope.occurred_at == envelope.recorded_at

    def test_one_append_records_all_its_events_at_one_time(self, store: EventStore) -> None:
        result = append(store, "school-1/pledge/a", 0, [pledge(), at(MEETING), pledge()])
        assert len({e.recorded_at for e in result.envelopes}) == 1

    @pytest.mark.parametrize("position", [0, 1], ids=["only-event", "second-event"])
    def test_a_naive_occurred_at_is_refused_and_nothing_written(
        self, store: EventStore, position: int
    ) -> None:
        naive = at(datetime(2025, 7, 1, 9, 30))
        events = [naive] if position == 0 else [pledge(), naive]
        with pytest.raises(ValueError):
            append(store, "school-1/pledge/a", 0, events)
        assert_nothing_written(store, 0)
