"""The SQLite event store against the event-store contract, on real files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from contract.event_store import EventStoreContract

from kernel.store.sqlite import SqliteEventStore


class TestSqliteEventStore(EventStoreContract):
    def make_store(self, tmp_path: Path) -> SqliteEventStore:
        return SqliteEventStore(tmp_path / "service" / "events.db")

    def test_the_file_is_created_in_wal_mode(self, tmp_path: Path) -> None:
        self.make_store(tmp_path).close()
        with closing(sqlite3.connect(tmp_path / "service" / "events.db")) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
