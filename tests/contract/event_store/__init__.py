"""The event-store contract (docs/design.md#store-relay-consumers), in the style of
pyeventsourcing's persistence suites: one test class subclasses `EventStoreContract`, and the
`store_backend` fixture runs each of its tests on every backend (memory, SQLite, PostgreSQL;
tests/integration/stores). The tests are the same for every backend."""

from contract.event_store.appending import AppendContract
from contract.event_store.base import StoreBackend
from contract.event_store.concurrency import ConcurrencyContract
from contract.event_store.durability import DurabilityContract
from contract.event_store.idempotency import IdempotencyContract
from contract.event_store.reading import ReadContract
from contract.event_store.times import TimeContract


class EventStoreContract(
    AppendContract,
    ConcurrencyContract,
    ReadContract,
    IdempotencyContract,
    DurabilityContract,
    TimeContract,
):
    """Append, concurrency, reads, idempotency keys, checkpoints, restarts and times."""


__all__ = ["EventStoreContract", "StoreBackend"]
