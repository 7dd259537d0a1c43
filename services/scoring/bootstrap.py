"""Wires scoring: the faust app (agents, tables, the gRPC task) and the gRPC API over the
ledgers table. `topics_to_create` lists every topic the worker needs, made explicitly with
the configured partition count before it starts (Tansu would auto-create them with 4)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from kafka.errors import KafkaError

from kernel.grpc.server import ServiceRegistration
from kernel.settings import Settings
from kernel.topics import (
    ALL_TOPICS,
    TopicShape,
    ensure_topics,
    replace_topics,
    topic_counts,
    topic_shapes,
)
from scoring.config import ScoringConfig
from scoring.entrypoints.grpc_api import ScoringApi
from vanguard.scoring.v1 import scoring_pb2_grpc

SERVICE_NAME = "vanguard.scoring.v1.ScoringService"
INPUTS_WAIT_S = 60.0
log = logging.getLogger("vanguard.scoring")


def _counts(servers: str) -> dict[str, int]:
    """The topics' partition counts; waits, saying so, while the broker is down (it may be
    down for long, or restarting)."""
    while True:
        try:
            return topic_counts(servers)
        except KafkaError as exc:
            log.warning("broker %s not reachable (%s); retrying", servers, exc)
            time.sleep(0.5)


def prepare_topics(settings: Settings, config: ScoringConfig) -> dict[str, TopicShape]:
    """Create every topic the worker needs; answer the inputs and scoring's own topics as
    they are then (scoring.stream.broker_watch starts over when one of them changes). One of
    scoring's own topics found with another partition count was auto-created by a client that
    asked for it by name on a broker that had lost it: it holds nothing that a replay does not
    send again, so it is replaced. An input topic with another count is its relay's to
    replace: wait for that."""
    from scoring.stream.tables import TABLE_NAMES

    servers, partitions = settings.kafka_servers, settings.partitions
    owned = config.owned_topics(TABLE_NAMES)
    deadline = time.monotonic() + INPUTS_WAIT_S
    while True:
        debris = tuple(t for t in owned if _counts(servers).get(t, partitions) != partitions)
        try:
            if debris:
                log.warning("replacing %s: auto-created with the wrong partition count", debris)
                replace_topics(servers, debris, partitions=partitions)
            ensure_topics(
                servers,
                topics_to_create(config),
                partitions=partitions,
                replication_factor=settings.replication_factor,
            )
            break
        except RuntimeError as exc:
            # An input topic with the wrong count is its relay's to replace: wait for that.
            # One of ours again: a client asking for it by name (archives' consumer reads the
            # evaluations) had the broker auto-create it between our delete and create.
            if time.monotonic() > deadline:
                raise
            log.warning("%s; trying again", exc)
            time.sleep(1.0)
    shapes = topic_shapes(servers)
    depends_on = (*config.input_topics, *owned)
    return {topic: shapes[topic] for topic in depends_on if topic in shapes}


def topics_to_create(config: ScoringConfig) -> tuple[str, ...]:
    from scoring.stream.tables import TABLE_NAMES

    every = (*ALL_TOPICS, *config.input_topics, *config.owned_topics(TABLE_NAMES))
    return tuple(dict.fromkeys(every))


def registrations() -> Sequence[ServiceRegistration]:
    from scoring.stream.agents import scorer
    from scoring.stream.ledgers import TableLedgers, WorkerStatus

    api = ScoringApi(WorkerStatus(), scorer, TableLedgers())
    return [
        ServiceRegistration(
            SERVICE_NAME, scoring_pb2_grpc.add_ScoringServiceServicer_to_server, api
        )
    ]
