"""The publication watermark: a close is ready once every archives store position up to its
own, and every pledges position up to the head pledges reported after it, was applied on some
partition, in whatever order and however often they came."""

from __future__ import annotations

import random

from contracts.periods import PeriodKind
from kernel.envelope import Envelope
from scoring.domain.publication import Close
from scoring.stream.closing import Collection, partition_reply
from scoring.stream.progress import PartitionProgress
from unit.scoring.story import Story

PARTITIONS = 3


def close_at(position: int) -> Close:
    return Close("s1", "2026-10", PeriodKind.MONTH, "e1", position, "2026-10-31T00:00:00+00:00")


def collection_after(
    deliveries: list[int],
    close: Close,
    pledges: tuple[int, ...] = (),
    head: int | None = 0,
) -> Collection:
    """Deliver archives and pledges positions (position p lives on partition p % 3), then
    collect one reply per partition to a request naming the pledges `head`."""
    progress = [PartitionProgress() for _ in range(PARTITIONS)]
    for position in deliveries:
        progress[position % PARTITIONS].note_archives(position)
    for position in pledges:
        progress[position % PARTITIONS].note_pledges(pledge_at(position))
    collection = Collection(close, pledges_head=head)
    for p in range(PARTITIONS):
        collection.replies[str(p)] = partition_reply(close, head, p, progress[p], 0.0, [])
    return collection


def pledge_at(position: int) -> Envelope:
    envelope = Story().pledges("PledgeMade", "m1")
    return envelope.model_copy(update={"position": position})


def test_every_position_up_to_the_close_in_order_is_ready() -> None:
    assert collection_after(list(range(1, 41)), close_at(40)).ready(PARTITIONS, 1.0)


def test_a_missing_position_is_not_ready_until_it_comes() -> None:
    close = close_at(40)
    assert not collection_after([p for p in range(1, 41) if p != 17], close).ready(PARTITIONS, 1.0)
    assert collection_after([*range(1, 41), 17], close).ready(PARTITIONS, 1.0)


def test_later_positions_ahead_of_a_republish_and_duplicates_still_add_up() -> None:
    """What a relay leaves after a broker's loss: the batch it had in flight (30..40) ahead of
    the republish from position 1; and redeliveries of everything."""
    deliveries = [*range(30, 41), *range(1, 41), *range(1, 41)]
    assert collection_after(deliveries, close_at(40)).ready(PARTITIONS, 1.0)


def test_positions_after_the_close_do_not_stand_in_for_missing_ones() -> None:
    deliveries = [p for p in range(1, 61) if p != 5]  # 59 positions, 5 missing below the close
    assert not collection_after(deliveries, close_at(40)).ready(PARTITIONS, 1.0)


def test_any_order_gives_the_same_count() -> None:
    positions = list(range(1, 1001))
    random.Random(7).shuffle(positions)
    progress = PartitionProgress()
    for position in positions:
        progress.note_archives(position)
    assert [progress.archives_up_to(n) for n in (0, 1, 7, 8, 9, 500, 1000, 5000)] == [
        0, 1, 7, 8, 9, 500, 1000, 1000,
    ]  # fmt: skip


def test_a_reply_from_an_older_worker_waits_for_a_newer_one() -> None:
    collection = collection_after(list(range(1, 41)), close_at(40))
    collection.replies["0"] = {"partition": 0, "progress": {"max_position": 40, "positions": 14}}
    assert not collection.ready(PARTITIONS, 1.0)


def test_pledges_wait_for_every_position_up_to_the_head_pledges_reported() -> None:
    """A pledges event recorded before the close but not yet published (pledges killed before
    its relay sent it) holds the close back until it has come."""
    archives = list(range(1, 41))
    assert not collection_after(archives, close_at(40), (1, 2, 4), head=4).ready(PARTITIONS, 1.0)
    assert collection_after(archives, close_at(40), (4, 1, 3, 2, 4), head=4).ready(PARTITIONS, 1.0)


def test_without_the_pledges_head_a_close_waits_for_it() -> None:
    assert not collection_after(list(range(1, 41)), close_at(40), head=None).ready(PARTITIONS, 1.0)


def test_replies_counted_up_to_another_head_wait_for_newer_ones() -> None:
    collection = collection_after(list(range(1, 41)), close_at(40), (1, 2, 3), head=3)
    collection.pledges_head = 5  # asked again: pledges has moved on
    assert not collection.ready(PARTITIONS, 1.0)


def test_a_position_far_ahead_costs_one_chunk_and_counts_only_above_its_bound() -> None:
    """An outside producer's envelope may claim any position: the set stays small and the
    count up to a close is unchanged by it."""
    progress = PartitionProgress()
    for position in (*range(1, 70_001), 10**15):
        progress.note_archives(position)
    assert len(progress.archives.chunks) <= 4
    assert progress.archives_up_to(70_000) == 70_000
    assert progress.archives_up_to(65_536) == 65_536  # a chunk's edge
    assert progress.archives_up_to(10**15) == 70_001
