"""Event stores: one port (`EventStore`), a SQLite backend, later PostgreSQL."""

from kernel.store.port import (
    AppendResult,
    EventStore,
    PendingEvent,
    StoredCommand,
    added_later,
)
from kernel.store.sqlite import SqliteEventStore

__all__ = [
    "AppendResult",
    "EventStore",
    "PendingEvent",
    "SqliteEventStore",
    "StoredCommand",
    "added_later",
]
