"""When the broker loses its data, scoring starts over.

The embedded broker is memory-only: restarted, it comes back empty. The relays notice and
republish their stores, but scoring's tables still hold every fact (republished inputs are
deduplicated, so nothing is emitted again), its consumer group and offsets are gone, and the
evaluations it sent are lost. Every start already rebuilds scoring from its inputs and sends
what the evaluations topic lacks, so recovery is a start: the worker checks every
`broker_check_s` that the topics it depends on (its inputs, its output, internal topics,
changelogs) are those it started with, and when one is not, it replaces its own process
(exec: same pid, so a supervisor or container runtime sees nothing but a short gap).

"Those it started with" is the topic id, not only the partition count: a topic made again
after a loss (by a relay, by faust declaring its topics, or auto-created with 4 partitions by
a client that asked for it by name) has a new id, whatever its count.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from kafka.errors import KafkaError

from kernel.topics import TopicShape, topic_shapes

log = logging.getLogger("vanguard.scoring")
PROBE_TIMEOUT_MS = 2000


class BrokerWatch:
    def __init__(self, servers: str) -> None:
        self.servers = servers
        self._started_with: dict[str, TopicShape] = {}

    def expect(self, shapes: dict[str, TopicShape]) -> None:
        """The topics as this process found them once it had made them (before the worker)."""
        self._started_with.clear()
        self._started_with.update(shapes)

    async def check(self) -> None:
        lost = await asyncio.to_thread(lost_topics, self.servers, dict(self._started_with))
        if lost:
            log.warning(
                "the broker lost scoring's topics %s (restarted empty?): starting over, to "
                "rebuild from the inputs the relays republish",
                ", ".join(lost),
            )
            start_over()


def lost_topics(servers: str, started_with: dict[str, TopicShape]) -> list[str]:
    """The topics that are missing or not those the worker started with (the broker lost
    them); empty when all is well or when the broker cannot be reached (it may come back)."""
    try:
        # Briefly: a stop waits for this thread, and a broker that is down may come back.
        shapes = topic_shapes(servers, bootstrap_timeout_ms=PROBE_TIMEOUT_MS)
    except KafkaError:
        return []
    return [topic for topic, shape in started_with.items() if shapes.get(topic) != shape]


def start_over() -> None:
    """Replace this process with a new `python -m scoring` (same pid, same arguments)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
