"""How long the relay lets appends gather after a round: by the size of the round it just
published, so a busy store is published in few large rounds and a quiet one at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.relay import OutboxRelay
from kernel.store.sqlite import SqliteEventStore


@pytest.fixture
def relay(tmp_path: Path) -> OutboxRelay:
    store = SqliteEventStore(tmp_path / "events.db")
    # No broker is contacted before the first round: the address is never dialled.
    return OutboxRelay(
        store,
        "127.0.0.1:9",
        "vanguard.test",
        name="linger",
        partitions=3,
        batch_size=500,
        linger_s=0.005,
        max_linger_s=0.04,
    )


def test_after_a_lone_event_the_next_waits_one_step(relay: OutboxRelay) -> None:
    assert relay.linger_after(1) == pytest.approx(0.005)


def test_the_linger_grows_with_the_round_up_to_the_cap(relay: OutboxRelay) -> None:
    assert relay.linger_after(4) == pytest.approx(0.02)
    assert relay.linger_after(8) == pytest.approx(0.04)
    assert relay.linger_after(100) == pytest.approx(0.04)


def test_a_full_round_goes_on_at_once(relay: OutboxRelay) -> None:
    assert relay.linger_after(500) == 0.0


def test_no_linger_when_switched_off(tmp_path: Path) -> None:
    store = SqliteEventStore(tmp_path / "other.db")
    relay = OutboxRelay(store, "127.0.0.1:9", "t", name="off", partitions=3, linger_s=0.0)
    assert relay.linger_after(10) == 0.0
