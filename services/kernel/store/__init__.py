"""Event stores: one port (`EventStore`), a SQLite backend, later PostgreSQL."""

from kernel.store.port import (
    AppendResult,
    EventStore,
    PendingEvent,
    StoredCommand,
)
from kernel.store.sqlite import SqliteEventStore

__all__ = ["AppendResult", "EventStore", "PendingEvent", "SqliteEventStore", "StoredCommand"]
