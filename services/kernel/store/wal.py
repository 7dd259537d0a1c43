"""WAL checkpoints off the writer's thread.

SQLite checkpoints the WAL automatically inside the commit that makes it long enough (1000
pages); with synchronous=NORMAL that commit also syncs the WAL and the database file, so one
append in a few hundred took milliseconds, and a gRPC server appending on its event loop
stalled every call in flight meanwhile. A store's connections turn the automatic checkpoint
off and ask this thread instead: it runs the same PASSIVE checkpoint on a connection of its
own (sqlite3 releases the GIL while it runs). Durability is unchanged: a commit is as durable
as before (synchronous=NORMAL in WAL mode), and a checkpoint only copies committed pages.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("vanguard.store")

CHECKPOINT_EVERY = 200  # writes between checkpoints: a WAL of roughly SQLite's 1000 pages
# Past this size the WAL is restarted: a PASSIVE checkpoint copies frames but never waits for
# readers, and while some reader always holds a snapshot (a relay polling) the writers keep
# appending to the end of the file instead of wrapping to its start: 90 MB were seen for a
# 5 MB database. A RESTART checkpoint waits (RESTART_WAIT_MS at most; writers wait with it)
# until the readers have moved on, so the next writer starts the file again, and
# journal_size_limit (set on every connection) truncates it back to this size.
# Should the checkpoint thread fall behind (starved of the GIL by busy writers), a writer
# that finds the WAL past HOLD_AT times the limit waits for a restart (HOLD_S at most), and
# the store's other writers with it: back-pressure, so the WAL stays bounded.
WAL_LIMIT_BYTES = 16 * 1024 * 1024
RESTART_WAIT_MS = 250
HOLD_AT = 4
HOLD_S = 1.0


class WalCheckpointer:
    """Counts a store's writes and checkpoints its file every `every` of them, in a daemon
    thread started with the first checkpoint."""

    def __init__(
        self,
        path: Path,
        connect: Callable[[Path, str], sqlite3.Connection],
        synchronous: str,
        every: int = CHECKPOINT_EVERY,
        limit: int = WAL_LIMIT_BYTES,
    ) -> None:
        self._path, self._connect, self._synchronous = path, connect, synchronous
        self._every = every
        self._writes = 0
        self._due = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.checkpoints = 0  # how many ran: for tests and curiosity
        self.restarts = 0  # how many of them restarted a WAL grown past its limit
        self._limit = limit
        self._wal_path = Path(f"{path}-wal")
        self._restarted = threading.Event()  # set after each RESTART checkpoint

    def wrote(self, count: int = 1) -> None:
        """Count `count` writes (call it holding the store's write lock)."""
        self._writes += count
        if self._writes < self._every:
            return
        self._writes = 0
        with self._lock:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"wal-{self._path.name}", daemon=True
                )
                self._thread.start()
        if self._wal_size() > HOLD_AT * self._limit:
            self._restarted.clear()
            self._due.set()
            self._restarted.wait(HOLD_S)
            return
        self._due.set()

    def _wal_size(self) -> int:
        try:
            return self._wal_path.stat().st_size
        except FileNotFoundError:
            return 0

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        self._restarted.set()
        self._due.set()
        if thread is not None:
            thread.join()

    def _mode(self) -> str:
        """PASSIVE, or RESTART when the WAL has grown past its limit."""
        if self._wal_size() <= self._limit:
            return "PASSIVE"
        self.restarts += 1
        return "RESTART"

    def _run(self) -> None:
        conn: sqlite3.Connection = self._connect(self._path, self._synchronous)
        conn.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
        conn.execute(f"PRAGMA journal_size_limit={self._limit}")
        try:
            while True:
                self._due.wait()
                self._due.clear()
                if self._closed:
                    return
                try:
                    conn.execute(f"PRAGMA wal_checkpoint({self._mode()})").fetchone()
                    self.checkpoints += 1
                except sqlite3.Error:  # busy or locked: the next one copies what this left
                    log.debug("WAL checkpoint of %s failed", self._path, exc_info=True)
                finally:
                    self._restarted.set()  # a held writer goes on, restarted or not
        finally:
            conn.close()
