"""Wires pledges: settings, store, relay, the pledges projection, the archives member roll,
the contact book, handlers, the overdue sweep and the gRPC API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from contracts import topics
from contracts.endpoints import SuiteSettings
from contracts.pledges import registry
from kernel.auth import current_correlation_id
from kernel.grpc.rate_limit import RateLimiter
from kernel.grpc.server import ServiceRegistration
from kernel.runtime import ProjectionSpec, ServiceRuntime
from pledges.adapters.contacts import SqliteContactBook
from pledges.adapters.members import ArchivesMemberRoll
from pledges.config import PledgesConfig
from pledges.entrypoints.grpc_api import PUBLIC_METHODS, SERVICE_NAME, PledgeApi
from pledges.entrypoints.overdue_sweep import OverdueSweeper
from pledges.handlers import PledgesHandlers
from pledges.reading import PledgesReader
from pledges.readmodel.projection import PledgesProjection
from pledges.readmodel.queries import PledgesQueries
from vanguard.pledges.v1 import pledges_pb2_grpc


@dataclass
class PledgesRuntime(ServiceRuntime):
    """The kernel's runtime with pledges' own parts at hand: the overdue sweep and its
    adapters (registered with the runtime's background loops and closers)."""

    config: PledgesConfig = field(default_factory=PledgesConfig)
    sweeper: OverdueSweeper | None = None
    member_roll: ArchivesMemberRoll | None = None
    contact_book: SqliteContactBook | None = None
    queries: PledgesQueries | None = None


def build(settings: SuiteSettings, config: PledgesConfig | None = None) -> PledgesRuntime:
    return PledgesRuntime(
        settings,
        "pledges",
        settings.pledges_port,
        factory="pledges.bootstrap:build",
        publishes_to=topics.PLEDGES,
        projections=[ProjectionSpec(PledgesProjection(), (topics.PLEDGES,), registry)],
        public_methods=PUBLIC_METHODS,
        config=config or PledgesConfig(),
    )


def registrations(runtime: ServiceRuntime) -> Sequence[ServiceRegistration]:
    assert isinstance(runtime, PledgesRuntime) and runtime.store is not None
    settings, config = runtime.settings, runtime.config
    assert isinstance(settings, SuiteSettings)  # as build() was given them
    runtime.member_roll = ArchivesMemberRoll(
        f"{config.archives_host}:{settings.archives_port}",
        settings.token_secret.get_secret_value(),
        timeout_s=config.archives_timeout_s,
    )
    runtime.contact_book = SqliteContactBook(runtime.directory / "contacts.db")
    runtime.queries = PledgesQueries(runtime.read_model(PledgesProjection.name))
    handlers = PledgesHandlers(
        runtime.store,
        runtime.member_roll,
        runtime.contact_book,
        blocked_words=config.blocked_words,
        correlation_id=current_correlation_id,
    )
    runtime.sweeper = OverdueSweeper(handlers, runtime.queries, interval_s=config.sweep_interval_s)
    runtime.background.append(runtime.sweeper.run)
    runtime.closers += [
        runtime.member_roll.close,
        runtime.contact_book.close,
        runtime.queries.close,
    ]
    api = PledgeApi(
        runtime,
        handlers,
        PledgesReader(runtime.queries, runtime.contact_book),
        runtime.wait_visible,
        feedback_limit=RateLimiter(config.feedback_burst, config.feedback_per_minute / 60),
        board_limit=RateLimiter(config.board_burst, config.board_per_second),
    )
    return [
        ServiceRegistration(SERVICE_NAME, pledges_pb2_grpc.add_PledgeServiceServicer_to_server, api)
    ]
