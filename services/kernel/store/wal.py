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


class WalCheckpointer:
    """Counts a store's writes and checkpoints its file every `every` of them, in a daemon
    thread started with the first checkpoint."""

    def __init__(
        self,
        path: Path,
        connect: Callable[[Path, str], sqlite3.Connection],
        synchronous: str,
        every: int = CHECKPOINT_EVERY,
    ) -> None:
        self._path, self._connect, self._synchronous = path, connect, synchronous
        self._every = every
        self._writes = 0
        self._due = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.checkpoints = 0  # how many ran: for tests and curiosity

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
        self._due.set()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        self._due.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection = self._connect(self._path, self._synchronous)
        try:
            while True:
                self._due.wait()
                self._due.clear()
                if self._closed:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                except sqlite3.Error:  # busy or locked: the next one copies what this left
                    log.debug("WAL checkpoint of %s failed", self._path, exc_info=True)
        finally:
            conn.close()
