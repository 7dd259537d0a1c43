"""Every event-store backend against the one event-store contract (tests/contract/event_store):
expected-version conflicts, gapless streams and positions, idempotency keys, the outbox read
in position order while writers commit, racing writers of which exactly one wins."""

from __future__ import annotations

from contract.event_store import EventStoreContract


class TestEventStore(EventStoreContract):
    """Each test runs on memory, SQLite and PostgreSQL (the `store_backend` fixture)."""
