"""Wires scoring: settings, store, relay, projections and the gRPC API."""

from __future__ import annotations

from collections.abc import Sequence

from scoring.entrypoints.grpc_api import ScoringApi
from kernel.grpc.server import ServiceRegistration
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings
from vanguard.scoring.v1 import scoring_pb2_grpc

SERVICE_NAME = "vanguard.scoring.v1.ScoringService"


def build(settings: Settings) -> ServiceRuntime:
    return ServiceRuntime(settings, "scoring", settings.scoring_port)


def registrations(runtime: ServiceRuntime) -> Sequence[ServiceRegistration]:
    return [
        ServiceRegistration(
            SERVICE_NAME, scoring_pb2_grpc.add_ScoringServiceServicer_to_server, ScoringApi(runtime)
        )
    ]
