"""One partition's two inputs, archives and pledges, merged in a deterministic order.

A member's events arrive on two topics (co-partitioned: same key, same partition number), and
how a consumer interleaves two topics depends on fetch timing. The order matters: each
EvaluationUpdated version is the evaluation after the facts applied so far, so a replay that
interleaved differently would give a version other content (and another event id).

So events are released in `recorded_at` order across the two topics (archives first on a
tie), each topic keeping its own log order. The head of one queue waits while the other queue
is empty, until that other topic is *caught up*: everything the broker held of it at a fetch
response that came at least `hold` after the head was delivered (its highwater) has been
delivered here. Fetch responses, not "now": a partition with records still buffered in the
client is left out of fetches, so its highwater can be older than the other topic's data. The
hold covers two records that the broker appends in one produce request (or two relays a few
ms apart) becoming visible out of order; it costs that much latency while the other topic is
idle, and nothing while both have traffic. A replay of the whole log therefore releases
exactly the recorded_at merge of the two logs, whatever the fetch timing; live traffic
releases the same order unless one relay publishes an event later than `hold` after a
later-recorded event of the other store was released (a relay that was down).

The highwater must come from fetch responses: the embedded broker's ListOffsets answers the
start of the last record batch (plus one), not the end of the log.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from kernel.envelope import Envelope

# topic, partition -> the highwater of the latest fetch response for it and when that response
# came (ms); (None, None) before the first one
FetchState = Callable[[str, int], tuple[int | None, int | None]]


@dataclass(frozen=True, slots=True)
class Origin:
    """The message an envelope was read from (what a dead letter carries)."""

    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True, slots=True)
class Arrival:
    envelope: Envelope
    due_ms: int  # wall-clock ms (as the client stamps fetch responses): delivery + hold
    origin: Origin | None = None


class Released(NamedTuple):
    topic: str
    envelope: Envelope
    origin: Origin | None


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class PartitionMerge:
    partition: int
    archives_topic: str
    pledges_topic: str
    hold_ms: int = 0
    queues: dict[str, deque[Arrival]] = field(default_factory=dict)
    next_offset: dict[str, int] = field(default_factory=dict)  # after the last one delivered
    pledges_seen_at: float = field(default_factory=time.monotonic)  # this process's clock

    def __post_init__(self) -> None:
        for topic in (self.archives_topic, self.pledges_topic):
            self.queues.setdefault(topic, deque())
            self.next_offset.setdefault(topic, 0)

    def arrive(
        self, topic: str, offset: int, envelope: Envelope | None, origin: Origin | None = None
    ) -> None:
        """A message delivered to the agent; None for one that cannot be parsed (it still
        counts as delivered)."""
        self.next_offset[topic] = max(self.next_offset[topic], offset + 1)
        if envelope is not None:
            self.queues[topic].append(Arrival(envelope, now_ms() + self.hold_ms, origin))

    def caught_up(self, topic: str, fetch: FetchState, since_ms: int = 0) -> bool:
        """All of `topic` that a fetch response at `since_ms` or later showed is delivered
        and released."""
        highwater, fetched_ms = fetch(topic, self.partition)
        if highwater is None or fetched_ms is None or fetched_ms < since_ms:
            return False
        return self.next_offset[topic] >= highwater and not self.queues[topic]

    def release(self, fetch: FetchState) -> list[Released]:
        """Take every event whose turn has come, in merge order."""
        out: list[Released] = []
        archives, pledges = self.queues[self.archives_topic], self.queues[self.pledges_topic]
        while archives or pledges:
            if archives and pledges:
                take_archives = archives[0].envelope.recorded_at <= pledges[0].envelope.recorded_at
            elif archives:
                take_archives = True
                if not self.caught_up(self.pledges_topic, fetch, archives[0].due_ms):
                    break
            else:
                take_archives = False
                if not self.caught_up(self.archives_topic, fetch, pledges[0].due_ms):
                    break
            if take_archives:
                taken = archives.popleft()
                out.append(Released(self.archives_topic, taken.envelope, taken.origin))
            else:
                taken = pledges.popleft()
                out.append(Released(self.pledges_topic, taken.envelope, taken.origin))
                self.pledges_seen_at = time.monotonic()
        return out

    def pledges_quiet_s(self, fetch: FetchState) -> float:
        """How long no pledges event has been applied here — 0 while the pledges topic is not
        caught up (a replay has not reached its end yet)."""
        if not self.caught_up(self.pledges_topic, fetch):
            return 0.0
        return time.monotonic() - self.pledges_seen_at


@dataclass
class Merges:
    """This worker's merges, one per input partition it was assigned."""

    archives_topic: str
    pledges_topic: str
    hold_ms: int = 0
    by_partition: dict[int, PartitionMerge] = field(default_factory=dict)

    def of(self, partition: int) -> PartitionMerge:
        merge = self.by_partition.get(partition)
        if merge is None:
            merge = PartitionMerge(partition, self.archives_topic, self.pledges_topic, self.hold_ms)
            self.by_partition[partition] = merge
        return merge

    def reset(self, partition: int) -> None:
        """The partition is read again from the start: forget what was delivered."""
        self.by_partition.pop(partition, None)

    def pending(self) -> list[PartitionMerge]:
        return [m for m in self.by_partition.values() if any(m.queues.values())]

    def caught_up(self, partitions: set[int], fetch: FetchState) -> bool:
        """Every one of `partitions` has delivered and released both topics to their end."""
        return all(
            self.of(p).caught_up(self.archives_topic, fetch)
            and self.of(p).caught_up(self.pledges_topic, fetch)
            for p in partitions
        )
