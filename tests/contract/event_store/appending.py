"""Appending: gapless versions and positions, optimistic concurrency, all or nothing."""

from __future__ import annotations

import math
from uuid import UUID

import pytest

from contract.event_store.base import (
    SECRETARY,
    NeverRegistered,
    PledgeMade,
    PointsAwarded,
    StoreContract,
    append,
    assert_nothing_written,
    pledge,
    pledges,
    unserialisable,
)
from kernel.errors import ConcurrencyConflict
from kernel.events import encode
from kernel.store import EventStore, PendingEvent

BATCHES = pytest.mark.parametrize("batch", [1, 3], ids=["one-event", "three-events"])


class AppendContract(StoreContract):
    def test_versions_count_per_stream_and_positions_count_overall(self, store: EventStore) -> None:
        first = append(store, "school-1/pledge/a", 0, pledges(2))
        other = append(store, "school-1/pledge/b", 0, pledges(1))
        second = append(store, "school-1/pledge/a", 2, pledges(1))

        assert [e.stream_version for e in first.envelopes] == [1, 2]
        assert [e.stream_version for e in other.envelopes] == [1]
        assert [e.stream_version for e in second.envelopes] == [3]
        assert (first.stream_version, other.stream_version, second.stream_version) == (2, 1, 3)
        positions = [e.position for r in (first, other, second) for e in r.envelopes]
        assert positions == [1, 2, 3, 4]
        assert second.last_position == store.head_position() == 4

    def test_envelope_carries_the_event_and_the_command_context(self, store: EventStore) -> None:
        event = PledgeMade(member_id="member-7", text="带头学习")
        result = append(store, "school-1/pledge/7", 0, [PendingEvent(event)], partition_key="m7")

        (envelope,) = result.envelopes
        assert isinstance(envelope.event_id, UUID)
        assert (envelope.event_type, envelope.schema_version) == ("PledgeMade", 1)
        assert (envelope.stream_id, envelope.partition_key) == ("school-1/pledge/7", "m7")
        assert envelope.school_id == SECRETARY.school_id
        assert envelope.actor == SECRETARY.actor
        assert envelope.correlation_id == SECRETARY.correlation_id
        assert envelope.causation_id == SECRETARY.causation_id
        assert envelope.data == encode(event)

    def test_every_event_gets_its_own_id(self, store: EventStore) -> None:
        result = append(store, "school-1/pledge/a", 0, pledges(3))
        assert len({e.event_id for e in result.envelopes}) == 3

    def test_envelopes_returned_are_exactly_those_read_back(self, store: EventStore) -> None:
        result = append(store, "school-1/pledge/a", 0, pledges(2))
        result_one = append(store, "school-1/pledge/a", 2, pledges(1))

        returned = [*result.envelopes, *result_one.envelopes]
        assert store.read_stream("school-1/pledge/a") == returned
        assert [e.to_json() for e in store.read_all()] == [e.to_json() for e in returned]

    def test_expected_version_zero_creates_the_stream(self, store: EventStore) -> None:
        assert store.stream_version("school-1/pledge/new") == 0
        result = append(store, "school-1/pledge/new", 0, [pledge()])
        assert result.stream_version == store.stream_version("school-1/pledge/new") == 1

    @BATCHES
    def test_stale_expected_version_conflicts_and_writes_nothing(
        self, store: EventStore, batch: int
    ) -> None:
        append(store, "school-1/pledge/a", 0, pledges(2))
        head = store.head_position()

        for stale in (0, 1):
            with pytest.raises(ConcurrencyConflict) as raised:
                append(store, "school-1/pledge/a", stale, pledges(batch))
            assert raised.value.field == "expected_version"
        assert_nothing_written(store, head)
        assert store.stream_version("school-1/pledge/a") == 2

    @BATCHES
    def test_expected_version_ahead_of_the_stream_conflicts(
        self, store: EventStore, batch: int
    ) -> None:
        with pytest.raises(ConcurrencyConflict):
            append(store, "school-1/pledge/new", 1, pledges(batch))
        append(store, "school-1/pledge/a", 0, pledges(2))
        with pytest.raises(ConcurrencyConflict):
            append(store, "school-1/pledge/a", 3, pledges(batch))
        assert store.stream_version("school-1/pledge/new") == 0
        assert store.stream_version("school-1/pledge/a") == 2

    @BATCHES
    def test_no_expected_version_appends_at_the_end(self, store: EventStore, batch: int) -> None:
        append(store, "school-1/pledge/a", None, pledges(batch))
        result = append(store, "school-1/pledge/a", None, pledges(batch))
        assert result.stream_version == 2 * batch
        assert [e.stream_version for e in store.read_stream("school-1/pledge/a")] == list(
            range(1, 2 * batch + 1)
        )

    def test_after_a_conflict_the_next_append_leaves_no_gap(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, [pledge()])
        with pytest.raises(ConcurrencyConflict):
            append(store, "school-1/pledge/a", 0, [pledge()])
        result = append(store, "school-1/pledge/a", 1, [pledge()])
        assert [(e.stream_version, e.position) for e in result.envelopes] == [(2, 2)]

    def test_a_batch_with_an_unserialisable_event_writes_nothing(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, [pledge()])
        head = store.head_position()

        with pytest.raises(ValueError):
            append(store, "school-1/pledge/a", 1, [pledge(), unserialisable(), pledge()])
        assert_nothing_written(store, head)
        result = append(store, "school-1/pledge/a", 1, pledges(2))
        assert [e.stream_version for e in result.envelopes] == [2, 3]
        assert [e.position for e in result.envelopes] == [2, 3]

    @pytest.mark.parametrize("number", [math.nan, math.inf], ids=["nan", "inf"])
    def test_a_number_json_cannot_carry_is_refused(self, store: EventStore, number: float) -> None:
        awarded = PendingEvent(PointsAwarded(member_id="member-1", points=number))
        with pytest.raises(ValueError):
            append(store, "school-1/points/a", 0, [awarded])
        assert_nothing_written(store, 0)

    def test_the_words_nan_and_infinity_are_only_text(self, store: EventStore) -> None:
        words = pledge("NaN, Infinity and -Infinity are words here")
        (envelope,) = append(store, "school-1/pledge/a", 0, [words]).envelopes
        assert store.read_stream("school-1/pledge/a") == [envelope]
        assert envelope.data["text"] == "NaN, Infinity and -Infinity are words here"

    def test_text_utf8_cannot_carry_is_refused(self, store: EventStore) -> None:
        broken = PendingEvent(PledgeMade(member_id="member-1", text="lone surrogate \ud800"))
        with pytest.raises(ValueError):
            append(store, "school-1/pledge/a", 0, [broken])
        assert_nothing_written(store, 0)

    def test_an_event_type_never_registered_is_refused(self, store: EventStore) -> None:
        stray = PendingEvent(NeverRegistered(member_id="member-1"))
        with pytest.raises(ValueError):
            append(store, "school-1/pledge/a", 0, [stray])
        assert_nothing_written(store, 0)

    def test_an_empty_append_checks_the_version_and_writes_nothing(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, [pledge()])

        assert append(store, "school-1/pledge/a", 1, []).stream_version == 1
        with pytest.raises(ConcurrencyConflict):
            append(store, "school-1/pledge/a", 0, [])
        assert_nothing_written(store, 1)
