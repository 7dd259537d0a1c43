"""Wires archives: store, relay, the archive projection, handlers, the scoring client (for
ExplainEvaluation), the 公示's rate limit and the gRPC API."""

from __future__ import annotations

from collections.abc import Sequence

from archives.adapters.scoring import ScoringExplainer
from archives.config import ArchivesConfig
from archives.entrypoints.grpc_api import PUBLIC_METHODS, SERVICE_NAME, ArchiveApi
from archives.handlers import ArchivesHandlers
from archives.reading import ArchivesReader
from archives.readmodel.projection import ArchiveProjection
from archives.readmodel.queries import ArchiveQueries
from contracts import topics
from contracts.endpoints import SuiteSettings
from contracts.registry import published
from kernel.auth import current_correlation_id
from kernel.grpc.rate_limit import RateLimiter
from kernel.grpc.server import ServiceRegistration
from kernel.runtime import ProjectionSpec, ServiceRuntime
from vanguard.archives.v1 import archives_pb2_grpc

# The archive is built from every topic: the events of all three services.
READ_TOPICS = (topics.ARCHIVES, topics.PLEDGES, topics.EVALUATIONS)
READ_EVENTS = published()


def build(settings: SuiteSettings) -> ServiceRuntime:
    return ServiceRuntime(
        settings,
        "archives",
        settings.archives_port,
        factory="archives.bootstrap:build",
        publishes_to=topics.ARCHIVES,
        projections=[ProjectionSpec(ArchiveProjection(), READ_TOPICS, READ_EVENTS)],
        public_methods=PUBLIC_METHODS,
    )


def registrations(runtime: ServiceRuntime) -> Sequence[ServiceRegistration]:
    assert runtime.store is not None
    handlers = ArchivesHandlers(
        runtime.store,
        ballot_secret=runtime.settings.token_secret.get_secret_value().encode(),
        correlation_id=current_correlation_id,
    )
    queries = ArchiveQueries(runtime.read_model(ArchiveProjection.name), READ_EVENTS)
    settings, config = runtime.settings, ArchivesConfig()
    assert isinstance(settings, SuiteSettings)  # as build() was given them
    explainer = ScoringExplainer(
        f"{config.scoring_host}:{settings.scoring_port}",
        settings.token_secret.get_secret_value(),
        timeout_s=config.scoring_timeout_s,
    )
    runtime.closers += [queries.close, explainer.close]
    api = ArchiveApi(
        runtime,
        handlers,
        ArchivesReader(queries),
        runtime.wait_visible,
        explainer,
        notice_limit=RateLimiter(config.notice_burst, config.notice_per_second),
    )
    return [
        ServiceRegistration(
            SERVICE_NAME, archives_pb2_grpc.add_ArchiveServiceServicer_to_server, api
        )
    ]
