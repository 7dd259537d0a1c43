"""Idempotency keys: a repeated command returns its original result and appends nothing."""

from __future__ import annotations

import pytest

from contract.event_store.base import (
    StoreContract,
    append,
    assert_nothing_written,
    pledge,
    pledges,
)
from kernel.errors import ConcurrencyConflict, InvalidArgument
from kernel.store import EventStore, StoredCommand

REQUEST = {"member_id": "member-1", "text": "按时参加组织生活"}


def command(key: str = "key-1", request: object = REQUEST) -> StoredCommand:
    fingerprint = StoredCommand.fingerprint_of(request)
    return StoredCommand(key, fingerprint, {"id": "member-1", "stream_version": 1})


class IdempotencyContract(StoreContract):
    def test_a_first_command_appends_and_keeps_its_result(self, store: EventStore) -> None:
        result = append(store, "school-1/pledge/a", 0, [pledge()], command=command())

        assert not result.replayed
        assert result.result == command().result
        assert len(result.envelopes) == 1
        assert store.recall("key-1", command().fingerprint) == command()

    @pytest.mark.parametrize("batch", [1, 3], ids=["one-event", "three-events"])
    def test_a_repeated_command_returns_the_original_result_and_appends_nothing(
        self, store: EventStore, batch: int
    ) -> None:
        append(store, "school-1/pledge/a", 0, pledges(batch), command=command())
        head = store.head_position()

        again = append(store, "school-1/pledge/a", batch, pledges(batch), command=command())
        assert again.replayed
        assert again.result == command().result
        assert again.envelopes == ()
        assert_nothing_written(store, head)

    def test_a_repeat_is_recognised_before_the_version_is_checked(self, store: EventStore) -> None:
        """The client retried after a lost reply: its expected version is stale by now."""
        append(store, "school-1/pledge/a", 0, [pledge()], command=command())
        again = append(store, "school-1/pledge/a", 0, [pledge()], command=command())
        assert again.replayed
        assert store.stream_version("school-1/pledge/a") == 1

    def test_a_key_reused_for_another_request_is_refused(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, [pledge()], command=command())
        other = command(request={**REQUEST, "text": "另一个承诺"})

        with pytest.raises(InvalidArgument) as raised:
            append(store, "school-1/pledge/a", 1, [pledge()], command=other)
        assert raised.value.field == "idempotency_key"
        with pytest.raises(InvalidArgument) as recalled:
            store.recall("key-1", other.fingerprint)
        assert recalled.value.field == "idempotency_key"
        assert_nothing_written(store, 1)

    def test_an_unknown_key_recalls_nothing(self, store: EventStore) -> None:
        assert store.recall("key-unknown", "fingerprint") is None

    def test_a_failed_command_leaves_its_key_unused(self, store: EventStore) -> None:
        append(store, "school-1/pledge/a", 0, [pledge()])

        with pytest.raises(ConcurrencyConflict):
            append(store, "school-1/pledge/a", 0, [pledge()], command=command())
        assert store.recall("key-1", command().fingerprint) is None
        retried = append(store, "school-1/pledge/a", 1, [pledge()], command=command())
        assert not retried.replayed
        assert retried.stream_version == 2

    def test_a_command_that_decided_no_event_still_keeps_its_result(
        self, store: EventStore
    ) -> None:
        first = append(store, "school-1/pledge/a", 0, [], command=command())
        assert (first.replayed, first.envelopes) == (False, ())
        assert append(store, "school-1/pledge/a", 0, [], command=command()).replayed
        assert_nothing_written(store, 0)
