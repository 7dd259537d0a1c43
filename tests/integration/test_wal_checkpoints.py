"""The event store checkpoints its WAL in a thread of its own, never inside an append: the
WAL stays short, and nothing committed is lost by it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from toy.points import award, eventually

from kernel.store.sqlite import SqliteEventStore


def test_appends_never_checkpoint_and_the_thread_keeps_the_wal_short(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SqliteEventStore(path, checkpoint_every=20)
    assert store._conn().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    for n in range(200):
        award(store, f"m{n % 7}", n)
    eventually(lambda: store._wal.checkpoints >= 5, 10.0, "checkpoints in the background")
    wal = path.with_name("events.db-wal")
    assert wal.stat().st_size < 2_000_000  # without checkpoints: one frame per page written
    store.close()


def test_what_was_appended_is_all_there_after_closing(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SqliteEventStore(path, checkpoint_every=10)
    for n in range(95):
        award(store, "m1", n)
    store.close()  # stops the checkpoint thread too

    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT COUNT(*), MAX(stream_version) FROM events").fetchone() == (
            95,
            95,
        )
    reopened = SqliteEventStore(path)
    assert reopened.stream_version("member-m1") == 95
    reopened.close()
