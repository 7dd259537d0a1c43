"""What the SQLite backend promises beyond the contract: its file is in WAL mode."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from kernel.store.sqlite import SqliteEventStore


def test_the_file_is_created_in_wal_mode(tmp_path: Path) -> None:
    SqliteEventStore(tmp_path / "service" / "events.db").close()
    with closing(sqlite3.connect(tmp_path / "service" / "events.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
