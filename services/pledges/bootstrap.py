"""Wires pledges: settings, store, relay, projections and the gRPC API."""

from __future__ import annotations

from collections.abc import Sequence

from pledges.entrypoints.grpc_api import PledgeApi
from kernel import topics
from kernel.grpc.server import ServiceRegistration
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings
from vanguard.pledges.v1 import pledges_pb2_grpc

SERVICE_NAME = "vanguard.pledges.v1.PledgeService"


def build(settings: Settings) -> ServiceRuntime:
    return ServiceRuntime(settings, "pledges", settings.pledges_port, publishes_to=topics.PLEDGES)


def registrations(runtime: ServiceRuntime) -> Sequence[ServiceRegistration]:
    return [
        ServiceRegistration(
            SERVICE_NAME, pledges_pb2_grpc.add_PledgeServiceServicer_to_server, PledgeApi(runtime)
        )
    ]
