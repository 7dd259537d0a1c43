"""The per-partition merge of archives and pledges: the same order whatever the arrival
interleaving, and no event passes the other topic before that topic is caught up."""

from __future__ import annotations

import itertools
import random

from kernel.envelope import Envelope
from scoring.stream.merge import Merges, PartitionMerge, Released, now_ms
from unit.scoring.story import Story

ARCHIVES, PLEDGES = "a", "p"


class Broker:
    """What fetch responses said: highwater and when, per topic."""

    def __init__(self) -> None:
        self.state: dict[str, tuple[int | None, int | None]] = {
            ARCHIVES: (None, None),
            PLEDGES: (None, None),
        }

    def fetched(self, topic: str, highwater: int, at_ms: int | None = None) -> None:
        self.state[topic] = (highwater, now_ms() if at_ms is None else at_ms)

    def __call__(self, topic: str, partition: int) -> tuple[int | None, int | None]:
        return self.state[topic]


def _logs() -> tuple[list[Envelope], list[Envelope]]:
    story = Story()
    archives, pledges = [], []
    for n in range(6):
        archives += [story.record("m1", f"r{n}"), story.verify("m1", f"r{n}", 2)]
        pledges += [story.pledge("m1", f"p{n}")]
    return archives, pledges


LOGS = _logs()


def logs() -> tuple[list[Envelope], list[Envelope]]:
    return LOGS


def replay(arrival_order: list[str]) -> list[str]:
    """Deliver both logs in `arrival_order` (topic names), every fetch seeing the whole log."""
    archives, pledges = logs()
    broker = Broker()
    broker.fetched(ARCHIVES, len(archives), 0)
    broker.fetched(PLEDGES, len(pledges), 0)
    merge = PartitionMerge(0, ARCHIVES, PLEDGES)
    sources = {ARCHIVES: iter(enumerate(archives)), PLEDGES: iter(enumerate(pledges))}
    released: list[Released] = []
    for topic in arrival_order:
        offset, envelope = next(sources[topic])
        merge.arrive(topic, offset, envelope)
        released += merge.release(broker)
    broker.fetched(ARCHIVES, len(archives))
    broker.fetched(PLEDGES, len(pledges))
    released += merge.release(broker)
    return [str(r.envelope.event_id) for r in released]


def test_a_replay_releases_the_recorded_at_merge_whatever_the_interleaving() -> None:
    archives, pledges = logs()
    expected = [str(e.event_id) for e in sorted([*archives, *pledges], key=lambda e: e.recorded_at)]
    rng = random.Random(7)
    for _ in range(20):
        order = [ARCHIVES] * len(archives) + [PLEDGES] * len(pledges)
        rng.shuffle(order)
        assert replay(order) == expected
    assert replay([ARCHIVES] * 12 + [PLEDGES] * 6) == expected


def test_an_event_waits_until_the_other_topic_is_caught_up_after_its_hold() -> None:
    archives, _ = logs()
    broker = Broker()
    merge = PartitionMerge(0, ARCHIVES, PLEDGES, hold_ms=30)
    merge.arrive(ARCHIVES, 0, archives[0])
    assert merge.release(broker) == []  # pledges never fetched
    broker.fetched(PLEDGES, 0)
    assert merge.release(broker) == []  # fetched, but not yet a hold after the arrival
    broker.fetched(PLEDGES, 1, now_ms() + 60)
    assert merge.release(broker) == []  # a pledge came that has not been delivered
    merge.arrive(PLEDGES, 0, None)  # delivered (unparseable: nothing to release)
    assert [r.envelope for r in merge.release(broker)] == [archives[0]]


def test_pledges_are_quiet_only_once_caught_up() -> None:
    broker = Broker()
    merge = PartitionMerge(0, ARCHIVES, PLEDGES)
    assert merge.pledges_quiet_s(broker) == 0.0
    broker.fetched(PLEDGES, 2)
    assert merge.pledges_quiet_s(broker) == 0.0
    merge.arrive(PLEDGES, 1, None)
    assert merge.pledges_quiet_s(broker) > 0.0


def test_a_reset_partition_starts_over() -> None:
    merges = Merges(ARCHIVES, PLEDGES)
    merges.of(1).arrive(ARCHIVES, 5, None)
    broker = Broker()
    broker.fetched(ARCHIVES, 6)
    broker.fetched(PLEDGES, 0)
    assert merges.caught_up({1}, broker)
    merges.reset(1)
    assert not merges.caught_up({1}, broker)
    assert list(itertools.chain(merges.pending())) == []
