"""Writers racing on one stream, from two threads of one store and from two stores over the
same storage (two processes): exactly one wins, the loser gets a conflict, nothing has a gap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from contract.event_store.base import (
    OpenStore,
    StoreContract,
    append,
    pledge,
    pledges,
)
from kernel.errors import ConcurrencyConflict
from kernel.store import EventStore, StoredCommand

ROUNDS = 20  # each round is a fresh race; many rounds meet many interleavings
STREAM = "school-1/pledge/raced"
BATCHES = pytest.mark.parametrize("batch", [1, 3], ids=["one-event", "three-events"])


def race(stores: list[EventStore], batch: int) -> None:
    """Both writers append at the same expected version, released together by a barrier."""
    barrier = threading.Barrier(len(stores), timeout=30)

    def attempt(store: EventStore, expected: int) -> str:
        barrier.wait()
        try:
            append(store, STREAM, expected, pledges(batch))
        except ConcurrencyConflict:
            return "conflict"
        return "won"

    with ThreadPoolExecutor(len(stores)) as pool:
        for round_ in range(ROUNDS):
            expected = [round_ * batch] * len(stores)
            assert sorted(pool.map(attempt, stores, expected)) == ["conflict", "won"]


def assert_gapless(store: EventStore, events: int) -> None:
    assert [e.stream_version for e in store.read_stream(STREAM)] == list(range(1, events + 1))
    assert [e.position for e in store.read_all(limit=events + 1)] == list(range(1, events + 1))


class ConcurrencyContract(StoreContract):
    @BATCHES
    def test_threads_racing_on_one_store(self, store: EventStore, batch: int) -> None:
        race([store, store], batch)
        assert_gapless(store, ROUNDS * batch)

    @BATCHES
    def test_two_stores_racing_on_the_same_storage(self, open_store: OpenStore, batch: int) -> None:
        first, second = open_store(), open_store()
        race([first, second], batch)
        assert_gapless(first, ROUNDS * batch)
        assert_gapless(second, ROUNDS * batch)

    def test_a_store_continues_a_stream_another_store_extended(self, open_store: OpenStore) -> None:
        first, second = open_store(), open_store()
        append(first, STREAM, 0, [pledge()])
        append(second, STREAM, 1, [pledge()])

        with pytest.raises(ConcurrencyConflict):
            append(first, STREAM, 1, [pledge()])
        assert append(first, STREAM, 2, [pledge()]).stream_version == 3
        assert append(second, STREAM, None, [pledge()]).stream_version == 4
        assert append(first, STREAM, None, pledges(2)).stream_version == 6
        assert_gapless(second, 6)

    def test_racing_repeats_of_one_command_append_once(self, open_store: OpenStore) -> None:
        stores = [open_store(), open_store()]
        barrier = threading.Barrier(2, timeout=30)

        def attempt(store: EventStore, round_: int) -> bool:
            command = StoredCommand(f"key-{round_}", "fingerprint", {"round": round_})
            barrier.wait()
            result = append(store, STREAM, None, [pledge()], command=command)
            assert result.result == {"round": round_}
            return result.replayed

        with ThreadPoolExecutor(2) as pool:
            for round_ in range(ROUNDS):
                assert sorted(pool.map(attempt, stores, [round_] * 2)) == [False, True]
        assert_gapless(stores[0], ROUNDS)

    def test_a_concurrent_reader_never_sees_a_hole(self, open_store: OpenStore) -> None:
        """A relay reads after its cursor while writers commit: if it could see position
        p + 1 before p, it would skip p for ever."""
        writers, reader = [open_store(), open_store()], open_store()

        def write(store: EventStore, stream: str) -> None:
            for version in range(0, 2 * ROUNDS, 2):
                append(store, stream, version, pledges(2))

        seen: list[int] = []
        with ThreadPoolExecutor(2) as pool:
            done = [pool.submit(write, s, f"school-1/pledge/{n}") for n, s in enumerate(writers)]
            while True:
                finished = all(future.done() for future in done)
                batch = reader.read_all(after_position=seen[-1] if seen else 0, limit=7)
                seen.extend(e.position or 0 for e in batch)
                if finished and not batch:
                    break
            for future in done:
                future.result()
        assert seen == list(range(1, 4 * ROUNDS + 1))
