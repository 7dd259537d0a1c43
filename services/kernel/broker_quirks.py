"""What each broker needs of the suite: every Tansu-only workaround named once, switched on
where the broker needs it.

Tansu (the embedded default) is memory-only and answers some requests unlike Apache Kafka;
the kernel, the relays, the consumers and scoring were built around that. Apache Kafka keeps
its log on disk and answers as the protocol says, so there the workarounds that cost time are
off; those that cost nothing stay on (they also cover an operator deleting a topic by hand)
and say so here. The broker in use is the setting `VANGUARD_BROKER` (kernel.settings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

BrokerKind = Literal["tansu", "kafka"]
BROKER_KINDS: tuple[BrokerKind, ...] = ("tansu", "kafka")


@dataclass(frozen=True)
class Quirks:
    # A restart loses every topic, group and offset. Relays notice and republish their
    # stores (kernel.relay a-c), consumers read a replaced log again from its start
    # (kernel.consumer), scoring starts over (scoring.adapters.broker_watch). Only the relay's
    # idle read-back of its last acknowledged offsets (kernel.relay c) is switched by it: the
    # other checks are cheap and also notice a topic deleted by hand.
    memory_only: bool
    # ListOffsets answers the start of the last batch plus one: the relay reads records back
    # instead of trusting end offsets, and scoring replays its inputs instead of faust's
    # changelog recovery (scoring.adapters.faust_app). Kept on Apache Kafka: the replay is
    # also what makes scoring's outputs deterministic.
    wrong_end_offsets: bool
    # A metadata request naming a missing topic creates it with 4 partitions: topics are made
    # explicitly and described all at once (kernel.topics), and the relay checks its topic
    # before sending (kernel.relay a). Apache Kafka runs here auto-creating with the suite's
    # partition count (kernel.kafka_broker) and loses no topic, so the relay checks before a
    # new producer's first send only.
    auto_creates_topics: bool
    # A group join is answered after about half the session timeout: consumers poll for the
    # whole session timeout while joining (kernel.consumer). Harmless on Apache Kafka, kept.
    slow_group_join: bool
    # No transactions: exactly-once is idempotent producers (acks=all) plus dedup by event id
    # on every consumer, on both brokers.
    transactions: bool

    @property
    def relay_verify_interval_s(self) -> float:
        """How often an idle relay reads back what it last published (kernel.relay c)."""
        return 2.0 if self.memory_only else math.inf

    @property
    def relay_topic_check_interval_s(self) -> float:
        """How often a sending relay checks its topic is there (kernel.relay a)."""
        return 1.0 if self.auto_creates_topics or self.memory_only else math.inf


TANSU = Quirks(
    memory_only=True,
    wrong_end_offsets=True,
    auto_creates_topics=True,
    slow_group_join=True,
    transactions=False,
)
APACHE_KAFKA = Quirks(
    memory_only=False,
    wrong_end_offsets=False,
    auto_creates_topics=False,
    slow_group_join=False,
    transactions=True,
)


def quirks_of(kind: BrokerKind) -> Quirks:
    return TANSU if kind == "tansu" else APACHE_KAFKA
