"""When the broker loses its data, scoring starts over.

The embedded broker is memory-only: restarted, it comes back empty. The relays notice and
republish their stores, but scoring's tables still hold every fact (republished inputs are
deduplicated, so nothing is emitted again), its consumer group and offsets are gone, and the
evaluations it sent are lost. Every start already rebuilds scoring from its inputs and sends
what the evaluations topic lacks, so recovery is a start: the worker checks every
`broker_check_s` that the topics it owns (its output, internal topics, changelogs) still exist
with the configured partition count — a client that asks for a missing topic by name has the
embedded broker create it with 4 — and when they do not, it replaces its own process (exec:
same pid, so a supervisor or container runtime sees nothing but a short gap).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from kafka.errors import KafkaError

from kernel.topics import topic_counts

log = logging.getLogger("vanguard.scoring")


def lost_topics(servers: str, owned: tuple[str, ...], partitions: int) -> list[str]:
    """The owned topics that are missing or have another partition count (the broker lost
    them); empty when all is well or when the broker cannot be reached (it may come back)."""
    try:
        counts = topic_counts(servers)
    except KafkaError:
        return []
    return [topic for topic in owned if counts.get(topic) != partitions]


async def check(servers: str, owned: tuple[str, ...], partitions: int) -> None:
    lost = await asyncio.to_thread(lost_topics, servers, owned, partitions)
    if lost:
        log.warning(
            "the broker lost scoring's topics %s (restarted empty?): starting over, to rebuild "
            "from the inputs the relays republish",
            ", ".join(lost),
        )
        start_over()


def start_over() -> None:
    """Replace this process with a new `python -m scoring` (same pid, same arguments)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
