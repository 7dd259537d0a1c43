"""The event store checkpoints its WAL in a thread of its own, never inside an append: the
WAL stays short, and nothing committed is lost by it."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from toy.points import award, eventually

from kernel.store.sqlite import SqliteEventStore

APPENDS = 8000


def test_appends_never_checkpoint_and_the_thread_keeps_the_wal_short(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SqliteEventStore(path, checkpoint_every=20)
    assert store._conn().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    # Every 20 writes ask for one; asks made while one runs are one ask (an Event), so each
    # batch waits for its own checkpoint rather than counting asks.
    for batch in range(10):
        before = store._wal.checkpoints
        for n in range(20):
            award(store, f"m{n % 7}", batch * 20 + n)
        eventually(
            lambda before=before: store._wal.checkpoints > before,
            10.0,
            "a checkpoint in the background",
        )
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


def test_a_wal_read_while_it_is_written_stays_bounded(tmp_path: Path) -> None:
    """A relay reads all the time while the service appends: without restarts the WAL never
    wraps and grows with everything written (50 MB here, 0.5 MB limit); past its limit it is
    restarted and truncated, and writers wait for that past four limits, so it stays within
    a few limits."""
    path, limit = tmp_path / "events.db", 512 * 1024
    writer = SqliteEventStore(path, checkpoint_every=50, wal_limit=limit)
    reader = SqliteEventStore(path)
    wal, peak, done = path.with_name("events.db-wal"), 0, threading.Event()

    def relay() -> None:
        position = 0
        while not done.is_set():
            if batch := reader.read_all(position, 200):
                position = batch[-1].position or position

    reading = threading.Thread(target=relay)
    reading.start()
    try:
        for n in range(APPENDS):
            award(writer, f"m{n % 50}", n)
            if n % 100 == 0:
                peak = max(peak, wal.stat().st_size)
    finally:
        done.set()
        reading.join()
    assert writer._wal.restarts > 0
    assert peak < 8 * limit, f"the WAL reached {peak} bytes"
    assert reader.head_position() == APPENDS
    writer.close()
    reader.close()
