"""The event-store backends the contract runs on: every test of the contract runs once on
each, the PostgreSQL one on a real server (a database of its own per test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from contract.event_store import StoreBackend

from kernel.store.memory import MemoryEventStore, MemoryStorage
from kernel.store.port import EventStore
from kernel.store.postgres import PostgresEventStore
from kernel.store.sqlite import SqliteEventStore


@dataclass
class MemoryBackend:
    name: str = "memory"
    storages: dict[Path, MemoryStorage] = field(default_factory=dict)

    def open(self, tmp_path: Path) -> EventStore:
        return MemoryEventStore(self.storages.setdefault(tmp_path, MemoryStorage()))


@dataclass
class SqliteBackend:
    name: str = "sqlite"

    def open(self, tmp_path: Path) -> EventStore:
        return SqliteEventStore(tmp_path / "service" / "events.db")


@dataclass
class PostgresBackend:
    url: str  # a database of this test's own: every store opened here shares it
    name: str = "postgres"

    def open(self, tmp_path: Path) -> EventStore:
        return PostgresEventStore(self.url, schema="service")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_backend(request: pytest.FixtureRequest) -> StoreBackend:
    if request.param == "memory":
        return MemoryBackend()
    if request.param == "sqlite":
        return SqliteBackend()
    return PostgresBackend(str(request.getfixturevalue("postgres_database")))
