"""The consumer runner's stall watch: when a runner out of a stable group starts again."""

from __future__ import annotations

from kernel.consumer import StallWatch


def test_a_stall_is_told_once_the_runner_is_unhealthy_for_longer_than_the_patience() -> None:
    watch = StallWatch(patience_s=10.0)
    assert not watch.stalled(False, now=100.0)
    assert not watch.stalled(False, now=110.0)  # exactly the patience: not yet
    assert watch.stalled(False, now=110.5)
    # Told once: the new client gets the whole patience again.
    assert not watch.stalled(False, now=111.0)
    assert not watch.stalled(False, now=121.0)
    assert watch.stalled(False, now=121.5)


def test_a_healthy_poll_starts_the_count_again() -> None:
    watch = StallWatch(patience_s=10.0)
    assert not watch.stalled(False, now=100.0)
    assert not watch.stalled(True, now=109.0)
    assert not watch.stalled(False, now=115.0)
    assert not watch.stalled(False, now=124.0)
    assert watch.stalled(False, now=125.5)
