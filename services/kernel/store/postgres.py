"""PostgreSQL event store (psycopg 3, a connection pool): one schema per service in a shared
database, so replicas of a service write one store.

Appends take turns on a transaction-scoped advisory lock of the schema: inside it an append
reads the stream's version and the head position, writes its events at the next positions
and commits, and only then lets the next one in (one call of the schema's `append_events`,
kernel.store.postgres_append). So positions are gapless and commit in
order, and a reader (the relay) never sees position p + 1 before p: it would skip p for ever.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pydantic_core
from psycopg import sql
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from kernel.envelope import CommandContext, Envelope
from kernel.store.drafts import Batch, conflict, same_request, utc
from kernel.store.lease import RelayLease
from kernel.store.migrations import ensure_schema, migrate
from kernel.store.port import AppendResult, PendingEvent, StoredCommand
from kernel.store.postgres_append import append_at_once

Conn = psycopg.Connection[tuple[Any, ...]]

LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.events'))"
COLUMNS = (
    "position, event_id, stream_id, stream_version, event_type, schema_version, school_id, "
    "partition_key, occurred_at, recorded_at, actor_id, actor_role, correlation_id, "
    "causation_id, data::text"
)


def connect_options(schema: str) -> dict[str, Any]:
    """What every connection of a Vanguard schema is opened with: its search_path, and UTC
    for the times it returns."""
    return {"options": f"-c search_path={schema} -c TimeZone=UTC"}


def open_pool(url: str, schema: str, *, max_size: int, name: str) -> ConnectionPool[Conn]:
    """A pool over `schema`, created (and migrated by the caller) before the pool opens."""
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_schema(conn, schema)
    pool: ConnectionPool[Conn] = ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        kwargs={**connect_options(schema), "autocommit": True},  # transactions are explicit
        name=name,
        open=False,
    )
    pool.open(wait=True, timeout=30)
    return pool


def _envelope(row: tuple[Any, ...]) -> Envelope:
    return Envelope.model_validate(
        {
            "position": row[0],
            "event_id": row[1],
            "stream_id": row[2],
            "stream_version": row[3],
            "event_type": row[4],
            "schema_version": row[5],
            "school_id": row[6],
            "partition_key": row[7],
            "occurred_at": row[8],
            "recorded_at": row[9],
            "actor": {"id": row[10], "role": row[11]},
            "correlation_id": row[12],
            "causation_id": row[13],
            "data": pydantic_core.from_json(row[14]),
        }
    )


class PostgresEventStore:
    """Thread-safe: each call borrows a pooled connection. Several stores (replicas) may share
    one schema: the advisory lock and UNIQUE(stream_id, stream_version) keep them apart."""

    def __init__(self, url: str, *, schema: str = "public", pool_size: int = 8) -> None:
        self.schema, self._url = schema, url
        self._pool = open_pool(url, schema, max_size=pool_size, name=f"store-{schema}")
        with self._pool.connection() as conn:
            migrate(conn, "postgres")
        self._listeners: list[Callable[[], None]] = []
        self._closed = threading.Event()

    def relay_lease(self, name: str) -> RelayLease:
        """Who among the replicas publishes this store (kernel.store.lease)."""
        from kernel.store.postgres_lease import PostgresLease  # it opens sessions like ours

        return PostgresLease(self._url, self.schema, name)

    def add_append_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every append that wrote events, once committed."""
        self._listeners.append(listener)

    # -- writing -------------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        expected_version: int | None,
        events: list[PendingEvent],
        *,
        context: CommandContext,
        partition_key: str,
        command: StoredCommand | None = None,
    ) -> AppendResult:
        batch = Batch.of(stream_id, partition_key, context, events)
        if not batch.drafts:
            return self._append_nothing(batch, expected_version, command)
        with self._pool.connection() as conn:
            envelopes = append_at_once(conn, batch, expected_version, command)
            if not envelopes:  # refused, nothing written: a repeated key wins over a stale version
                current = self._version(conn, stream_id)
                original = command and self._recall(conn, command.key, command.fingerprint)
                if original:
                    return AppendResult(stream_id, current, (), original.result, replayed=True)
                raise conflict(stream_id, expected_version or 0, current)
        for listener in self._listeners:
            listener()
        result = {} if command is None else command.result
        return AppendResult(stream_id, envelopes[-1].stream_version, envelopes, result)

    def _append_nothing(
        self, batch: Batch, expected: int | None, command: StoredCommand | None
    ) -> AppendResult:
        """An append of no events still checks the version, and records a new key."""
        stream_id = batch.stream_id
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(LOCK)
            current = self._version(conn, stream_id)
            if command is not None:
                original = self._recall(conn, command.key, command.fingerprint)
                if original is not None:
                    return AppendResult(stream_id, current, (), original.result, replayed=True)
            if expected is not None and expected != current:
                raise conflict(stream_id, expected, current)
            if command is not None:
                conn.execute(
                    "INSERT INTO command_results VALUES (%s, %s, %s, clock_timestamp())",
                    (command.key, command.fingerprint, Json(command.result)),
                )
        return AppendResult(stream_id, current, (), {} if command is None else command.result)

    @staticmethod
    def _version(conn: Conn, stream_id: str) -> int:
        row = conn.execute(
            "SELECT MAX(stream_version) FROM events WHERE stream_id = %s", (stream_id,)
        ).fetchone()
        return int(row[0] or 0) if row else 0

    @staticmethod
    def _recall(conn: Conn, key: str, fingerprint: str) -> StoredCommand | None:
        row = conn.execute(
            "SELECT fingerprint, result::text FROM command_results WHERE key = %s", (key,)
        ).fetchone()
        stored = None if row is None else StoredCommand(key, row[0], json.loads(row[1]))
        return same_request(stored, fingerprint)

    def recall(self, key: str, fingerprint: str) -> StoredCommand | None:
        with self._pool.connection() as conn:
            return self._recall(conn, key, fingerprint)

    # -- reading -------------------------------------------------------------------------

    def stream_version(self, stream_id: str) -> int:
        with self._pool.connection() as conn:
            return self._version(conn, stream_id)

    def read_stream(
        self,
        stream_id: str,
        *,
        after_version: int = 0,
        up_to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[Envelope]:
        query = f"SELECT {COLUMNS} FROM events WHERE stream_id = %s AND stream_version > %s"
        args: list[Any] = [stream_id, after_version]
        if up_to_version is not None:
            query += " AND stream_version <= %s"
            args.append(up_to_version)
        if as_of is not None:
            query += " AND recorded_at <= %s"
            args.append(utc(as_of))
        return self._select(sql.SQL(query + " ORDER BY stream_version"), args)

    def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        query = f"SELECT {COLUMNS} FROM events WHERE position > %s ORDER BY position LIMIT %s"
        return self._select(sql.SQL(query), [after_position, limit])

    def _select(self, query: sql.SQL, args: list[Any]) -> list[Envelope]:
        with self._pool.connection() as conn:
            return [_envelope(row) for row in conn.execute(query, args).fetchall()]

    def head_position(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()
        return int(row[0]) if row else 0

    def get_checkpoint(self, name: str) -> str | None:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT value FROM checkpoints WHERE name = %s", (name,)).fetchone()
        return None if row is None else str(row[0])

    def put_checkpoint(self, name: str, value: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO checkpoints VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            self._pool.close()
