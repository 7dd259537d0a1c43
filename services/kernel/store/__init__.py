"""Event stores: one port (`EventStore`) and its backends, each in a module of its own
(`kernel.store.memory`, `kernel.store.sqlite`, `kernel.store.postgres`), imported only where
one is chosen (`kernel.store.factory`), so importing the port needs no database driver."""

from kernel.store.port import (
    AppendResult,
    EventStore,
    PendingEvent,
    StoredCommand,
    added_later,
)

__all__ = ["AppendResult", "EventStore", "PendingEvent", "StoredCommand", "added_later"]
