"""Wires archives: store, relay, the archive projection, handlers and the gRPC API."""

from __future__ import annotations

from collections.abc import Sequence

from archives.domain.events import registry
from archives.entrypoints.grpc_api import ArchiveApi
from archives.handlers import ArchivesHandlers
from archives.readmodel.projection import ArchiveProjection
from archives.readmodel.queries import ArchiveQueries
from kernel import topics
from kernel.auth import current_correlation_id
from kernel.grpc.server import ServiceRegistration
from kernel.runtime import ProjectionSpec, ServiceRuntime
from kernel.settings import Settings
from vanguard.archives.v1 import archives_pb2_grpc

SERVICE_NAME = "vanguard.archives.v1.ArchiveService"


def build(settings: Settings) -> ServiceRuntime:
    return ServiceRuntime(
        settings,
        "archives",
        settings.archives_port,
        publishes_to=topics.ARCHIVES,
        projections=[ProjectionSpec(ArchiveProjection(), (topics.ARCHIVES,), registry)],
    )


def registrations(runtime: ServiceRuntime) -> Sequence[ServiceRegistration]:
    assert runtime.store is not None
    handlers = ArchivesHandlers(
        runtime.store,
        ballot_secret=runtime.settings.token_secret.get_secret_value().encode(),
        correlation_id=current_correlation_id,
    )
    queries = ArchiveQueries(runtime.directory / f"{ArchiveProjection.name}.db", registry)
    api = ArchiveApi(runtime, handlers, queries, runtime.wait_visible)
    return [
        ServiceRegistration(
            SERVICE_NAME, archives_pb2_grpc.add_ArchiveServiceServicer_to_server, api
        )
    ]
