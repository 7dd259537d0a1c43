"""Creating topics explicitly (an auto-created topic would get the wrong
partition count on the embedded broker)."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import NamedTuple

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

DEAD_LETTERS = "vanguard.dead-letters"  # the kernel's own: what no consumer could apply

log = logging.getLogger(__name__)


def partition_count(admin: KafkaAdminClient, topic: str) -> int | None:
    """How many partitions `topic` has, or None when it does not exist. Asks for ALL topics:
    a metadata request naming a missing topic makes Tansu auto-create it (4 partitions)."""
    for described in admin.describe_topics():
        if described["name"] == topic:
            return len(described["partitions"])
    return None


def ensure_topics(
    servers: str,
    topics: tuple[str, ...],
    *,
    partitions: int,
    replication_factor: int = 1,
    timeout_s: float = 30.0,
) -> None:
    """Create every missing topic with the configured partition count; retry while the broker
    is not reachable yet. A topic that exists with another count is an error: co-partitioning
    by member id would silently break."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=servers, client_id="vanguard-admin")
            break
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("broker %s not reachable yet (%s); retrying", servers, exc)
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            # Another process may win the race; the count is checked below either way.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(t, partitions, replication_factor) for t in missing])
        for topic in topics:
            count = partition_count(admin, topic)
            # Apache Kafka answers a create before every broker's metadata names the topic:
            # one just made may be missing from the next answer for a moment.
            while count is None and topic in missing and time.monotonic() < deadline:
                time.sleep(0.1)
                count = partition_count(admin, topic)
            if count != partitions:
                raise RuntimeError(f"topic {topic} has {count} partitions, configured {partitions}")
    finally:
        admin.close()


class TopicShape(NamedTuple):
    """A topic as the broker has it: made again (a broker that lost it, a replacement), it
    has a new id even when its partition count is the same."""

    partitions: int
    topic_id: str


def topic_shapes(servers: str, *, bootstrap_timeout_ms: int = 30_000) -> dict[str, TopicShape]:
    """Every topic on the broker with its partition count and id (asks for all topics:
    nothing is auto-created). Raises KafkaError when the broker cannot be reached within
    `bootstrap_timeout_ms`."""
    admin = KafkaAdminClient(
        bootstrap_servers=servers,
        client_id="vanguard-admin",
        bootstrap_timeout_ms=bootstrap_timeout_ms,
    )
    try:
        return {
            d["name"]: TopicShape(len(d["partitions"]), str(d.get("topic_id") or ""))
            for d in admin.describe_topics()
        }
    finally:
        admin.close()


def topic_counts(servers: str) -> dict[str, int]:
    """Every topic on the broker with its partition count (see `topic_shapes`)."""
    return {name: shape.partitions for name, shape in topic_shapes(servers).items()}


def replace_topics(servers: str, topics: tuple[str, ...], *, partitions: int) -> None:
    """Delete `topics` and create them again, empty, with `partitions`: for topics a service
    owns whose count is wrong because a client asked for them by name on a broker that had
    lost them (Tansu then auto-creates them with 4 partitions)."""
    admin = KafkaAdminClient(bootstrap_servers=servers, client_id="vanguard-admin")
    try:
        admin.delete_topics(list(topics))
    finally:
        admin.close()
    deadline = time.monotonic() + 10.0
    while set(topic_counts(servers)) & set(topics):  # deletion may take a moment
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics {topics} were not deleted")
        time.sleep(0.1)
    ensure_topics(servers, topics, partitions=partitions)
