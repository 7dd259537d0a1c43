"""A PostgreSQL store's relay lease (kernel.store.lease): a session advisory lock held on a
connection of its own. The server drops it when that session ends: the holder's process died
(its socket closed) or lost the server. The holder checks its session every HOLD_CHECK_S, so
a relay cut off from the server stops publishing within that."""

from __future__ import annotations

import time
from typing import Any

import psycopg

from kernel.store.postgres import connect_options

HOLD_CHECK_S = 1.0


class PostgresLease:
    def __init__(self, url: str, schema: str, name: str) -> None:
        self.url, self.schema, self.key = url, schema, f"{schema}.lease:{name}"
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._checked = 0.0

    def hold(self) -> tuple[bool, bool]:
        if self._conn is not None:
            return self._still_held(), False
        try:
            conn = psycopg.connect(self.url, autocommit=True, **connect_options(self.schema))
        except psycopg.Error:
            return False, False
        row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,)).fetchone()
        if not (row and row[0]):
            conn.close()
            return False, False
        self._conn, self._checked = conn, time.monotonic()
        return True, True

    def _still_held(self) -> bool:
        assert self._conn is not None
        now = time.monotonic()
        if now - self._checked < HOLD_CHECK_S:
            return not self._conn.broken
        self._checked = now
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
