"""The one place that picks a backend, from configuration alone (`VANGUARD_STORE_URL`): the
composition roots ask here for a service's event store and its read models' databases, and
no other code knows which backend it got."""

from __future__ import annotations

from kernel.database import ReadModelDatabase, SqliteReadModel
from kernel.settings import Settings
from kernel.store.port import EventStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def _postgres_url(settings: Settings) -> str | None:
    url = settings.store_url
    if not url:
        return None
    if not url.startswith(POSTGRES_SCHEMES):
        raise ValueError(f"VANGUARD_STORE_URL must be a postgresql:// URL, not {url!r}")
    return url


def open_event_store(settings: Settings, service: str) -> EventStore:
    """The service's event store: `<data_dir>/<service>/events.db`, or the schema named after
    the service in the PostgreSQL database."""
    url = _postgres_url(settings)
    if url is None:
        from kernel.store.sqlite import SqliteEventStore

        return SqliteEventStore(settings.service_dir(service) / "events.db")
    from kernel.store.postgres import PostgresEventStore

    return PostgresEventStore(url, schema=service)


def read_model_database(settings: Settings, service: str, projection: str) -> ReadModelDatabase:
    """Where one projection of the service lives: `<data_dir>/<service>/<projection>.db`, or
    the schema `<service>_<projection>`."""
    url = _postgres_url(settings)
    if url is None:
        return SqliteReadModel(settings.service_dir(service) / f"{projection}.db")
    from kernel.postgres_database import PostgresReadModel

    return PostgresReadModel(url, f"{service}_{projection}")
