"""Who publishes a store: replicas of a service share one store, and at most one relay may
publish it at a time (two would publish everything twice, and interleave). The relay holds
the store's lease while it publishes; a replica's relay without it waits, trying again every
LEASE_RETRY_S, and takes over within that once the holder's process is gone (its operating
system lock, or its PostgreSQL session, ends with it)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

LEASE_RETRY_S = 1.0


class RelayLease(Protocol):
    def hold(self) -> tuple[bool, bool]:
        """(held, just taken): try to take the lease if another does not hold it."""
        ...

    def release(self) -> None: ...


class FileLease:
    """A SQLite store's lease: an exclusive `flock` on a file beside it, which the operating
    system releases when the process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def hold(self) -> tuple[bool, bool]:
        if self._fd is not None:
            return True, False
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False, False
        self._fd = fd
        return True, True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None
