"""Wires scoring: the faust app (agents, tables, the gRPC task) and the gRPC API over the
ledgers table. `topics_to_create` lists every topic the worker needs, made explicitly with
the configured partition count before it starts (Tansu would auto-create them with 4)."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.grpc.server import ServiceRegistration
from kernel.topics import ALL_TOPICS
from scoring.config import ScoringConfig
from scoring.entrypoints.grpc_api import ScoringApi
from vanguard.scoring.v1 import scoring_pb2_grpc

SERVICE_NAME = "vanguard.scoring.v1.ScoringService"


def topics_to_create(config: ScoringConfig) -> tuple[str, ...]:
    from scoring.stream.tables import TABLE_NAMES

    ours = (config.archives_topic, config.pledges_topic, config.evaluations_topic)
    every = (*ALL_TOPICS, *ours, *config.internal_topics, *config.changelog_topics(TABLE_NAMES))
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
