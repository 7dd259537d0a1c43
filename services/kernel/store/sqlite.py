"""SQLite (WAL) event store: one file per service under the data directory."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pydantic_core

from kernel.envelope import CommandContext, Envelope, utcnow
from kernel.errors import ConcurrencyConflict
from kernel.store.drafts import Batch, Draft, conflict, same_request, timestamp
from kernel.store.lease import FileLease, RelayLease
from kernel.store.port import AppendResult, PendingEvent, StoredCommand
from kernel.store.wal import CHECKPOINT_EVERY, WAL_LIMIT_BYTES, WalCheckpointer

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position        INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL,
    stream_id       TEXT NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    schema_version  INTEGER NOT NULL,
    school_id       TEXT NOT NULL,
    partition_key   TEXT NOT NULL,
    occurred_at     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_role      TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    causation_id    TEXT,
    data            TEXT NOT NULL,
    UNIQUE (stream_id, stream_version)
);
CREATE TABLE IF NOT EXISTS command_results (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    result       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"""

INSERT = (
    "INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, "
    "school_id, partition_key, occurred_at, recorded_at, actor_id, actor_role, correlation_id, "
    "causation_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

COLUMNS = (
    "position, event_id, stream_id, stream_version, event_type, schema_version, school_id, "
    "partition_key, occurred_at, recorded_at, actor_id, actor_role, correlation_id, "
    "causation_id, data"
)


def connect(path: Path, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """A connection with the pragmas every Vanguard SQLite file uses (WAL; autocommit off
    only inside explicit BEGIN)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")  # see kernel.store.wal
    return conn


def _envelope(row: tuple[Any, ...]) -> Envelope:
    """An envelope read from the file, validated: the file may come from older code. The id,
    the actor and the JSON are parsed by pydantic-core, several times faster than in Python."""
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
            "occurred_at": datetime.fromisoformat(row[8]),  # tzinfo: the stdlib's UTC
            "recorded_at": datetime.fromisoformat(row[9]),
            "actor": {"id": row[10], "role": row[11]},
            "correlation_id": row[12],
            "causation_id": row[13],
            "data": pydantic_core.from_json(row[14]),
        }
    )


def _row(batch: Batch, draft: Draft, version: int, recorded: str) -> tuple[Any, ...]:
    context = batch.context
    occurred = recorded if draft.occurred_at is None else timestamp(draft.occurred_at)
    return (
        str(draft.event_id),
        batch.stream_id,
        version,
        draft.event_type,
        draft.schema_version,
        context.school_id,
        batch.partition_key,
        occurred,
        recorded,
        context.actor.id,
        context.actor.role.value,
        context.correlation_id,
        context.causation_id,
        draft.text,
    )


def _write(conn: sqlite3.Connection, batch: Batch, first_version: int) -> tuple[Envelope, ...]:
    """Insert every draft from `first_version` on, all recorded now. The caller holds the
    write lock, so recorded times follow commit order within a stream."""
    recorded_at = utcnow()
    recorded = recorded_at.isoformat(timespec="microseconds")
    envelopes = []
    for version, draft in enumerate(batch.drafts, first_version):
        cursor = conn.execute(INSERT, _row(batch, draft, version, recorded))
        envelopes.append(batch.envelope(draft, version, cursor.lastrowid, recorded_at))
    return tuple(envelopes)


class SqliteEventStore:
    """Thread-safe: writes serialise on a lock and in SQLite; each thread reads on its own
    connection, so a relay thread never waits for a writer. Several stores (processes) may
    share one file: SQLite's write lock and UNIQUE(stream_id, stream_version) keep them apart.
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str = "NORMAL",
        checkpoint_every: int = CHECKPOINT_EVERY,
        wal_limit: int = WAL_LIMIT_BYTES,
    ) -> None:
        self.path = path
        self._synchronous = synchronous
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        # stream -> a version it has reached (a hint: rows are never deleted, so it is never
        # ahead of the file, but another process may have moved the file on).
        self._versions: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []
        self._wal = WalCheckpointer(path, connect, synchronous, checkpoint_every, wal_limit)
        self._conn().executescript(SCHEMA)

    def relay_lease(self, name: str) -> RelayLease:
        """Who among the processes sharing this file publishes it (kernel.store.lease)."""
        return FileLease(self.path.with_name(f"{self.path.name}.{name}.lease"))

    def add_append_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` (cheap, thread-safe: e.g. `threading.Event.set`) after every append
        that wrote events, once they are committed: the relay wakes on it instead of polling."""
        self._listeners.append(listener)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self._synchronous)
            conn.execute("PRAGMA wal_autocheckpoint=0")  # WalCheckpointer's thread does it
            self._local.conn = conn
            self._connections.append(conn)
        return conn

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
        conn = self._conn()
        with self._write_lock:
            if expected_version is None:
                result = self._append_unchecked(conn, batch, command)
            else:
                result = self._append_expected(conn, batch, expected_version, command)
            if result.envelopes:
                self._wal.wrote()
        if result.envelopes:
            for listener in self._listeners:
                listener()
        return result

    def _append_expected(
        self, conn: sqlite3.Connection, batch: Batch, expected: int, command: StoredCommand | None
    ) -> AppendResult:
        """The common command: at a version the caller loaded. Nothing is read first: the
        constraints decide. UNIQUE(stream_id, stream_version) refuses an expected version
        behind the stream and the key's PRIMARY KEY a key taken since the caller recalled it;
        the hint rules out a version ahead of the stream, so most appends never read the file.
        A refused append is told apart afterwards: a repeated key wins over a stale version."""
        stream_id = batch.stream_id
        known = self._versions.get(stream_id, 0)  # every stream has reached version 0
        if expected > known or not batch.drafts:  # another process may have appended since
            known = self._versions[stream_id] = self._version(conn, stream_id)
        try:
            if expected != known:
                raise conflict(stream_id, expected, known)
            envelopes = self._commit(conn, batch, expected + 1, command)
        except (sqlite3.IntegrityError, ConcurrencyConflict) as refused:
            return self._refused(conn, batch, expected, command, refused)
        return self._appended(batch, expected, envelopes, command)

    def _refused(
        self,
        conn: sqlite3.Connection,
        batch: Batch,
        expected: int,
        command: StoredCommand | None,
        refused: sqlite3.IntegrityError | ConcurrencyConflict,
    ) -> AppendResult:
        """A repeated key gets its original result (even at a stale version), else a stale
        version is a conflict. Nothing was written."""
        self._versions.pop(batch.stream_id, None)
        original = None if command is None else self._recall(conn, command)
        if original is not None:
            return self._replayed(conn, batch.stream_id, original)
        if isinstance(refused, sqlite3.IntegrityError):
            if "UNIQUE" not in str(refused):
                raise refused
            raise conflict(batch.stream_id, expected, None) from None
        raise refused

    def _append_unchecked(
        self, conn: sqlite3.Connection, batch: Batch, command: StoredCommand | None
    ) -> AppendResult:
        """No version check: the events go after whatever the stream holds, read under the
        write lock (BEGIN IMMEDIATE) so that no writer slips in between."""
        stream_id = batch.stream_id
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = self._version(conn, stream_id)
            envelopes = self._write_and_remember(conn, batch, current + 1, command)
            conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            self._rollback(conn)
            original = None if command is None else self._recall(conn, command)
            if original is None:
                raise
            return self._replayed(conn, stream_id, original)
        except BaseException:
            self._rollback(conn)
            raise
        return self._appended(batch, current, envelopes, command)

    def _commit(
        self,
        conn: sqlite3.Connection,
        batch: Batch,
        first_version: int,
        command: StoredCommand | None,
    ) -> tuple[Envelope, ...]:
        """The events from `first_version` on, and the key with its result, in one commit (a
        lone event without a key is atomic on its own: one statement, one commit)."""
        if command is None and len(batch.drafts) == 1:
            return _write(conn, batch, first_version)
        conn.execute("BEGIN IMMEDIATE")
        try:
            envelopes = self._write_and_remember(conn, batch, first_version, command)
            conn.execute("COMMIT")
        except BaseException:
            self._rollback(conn)
            raise
        return envelopes

    def _write_and_remember(
        self,
        conn: sqlite3.Connection,
        batch: Batch,
        first_version: int,
        command: StoredCommand | None,
    ) -> tuple[Envelope, ...]:
        envelopes = _write(conn, batch, first_version)
        if command is not None:
            self._remember(conn, command, envelopes[0].recorded_at if envelopes else utcnow())
        return envelopes

    def _appended(
        self,
        batch: Batch,
        before: int,
        envelopes: tuple[Envelope, ...],
        command: StoredCommand | None,
    ) -> AppendResult:
        version = before + len(envelopes)
        self._versions[batch.stream_id] = version
        result = {} if command is None else command.result
        return AppendResult(batch.stream_id, version, envelopes, result)

    @classmethod
    def _replayed(
        cls, conn: sqlite3.Connection, stream_id: str, original: StoredCommand
    ) -> AppendResult:
        """A repeated command's answer: its original result, nothing appended."""
        current = cls._version(conn, stream_id)
        return AppendResult(stream_id, current, (), original.result, replayed=True)

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    @staticmethod
    def _remember(conn: sqlite3.Connection, command: StoredCommand, recorded_at: datetime) -> None:
        conn.execute(
            "INSERT INTO command_results VALUES (?, ?, ?, ?)",
            (
                command.key,
                command.fingerprint,
                json.dumps(command.result, ensure_ascii=False),
                timestamp(recorded_at),
            ),
        )

    @staticmethod
    def _version(conn: sqlite3.Connection, stream_id: str) -> int:
        row = conn.execute(
            "SELECT MAX(stream_version) FROM events WHERE stream_id = ?", (stream_id,)
        ).fetchone()
        return int(row[0] or 0)

    @classmethod
    def _recall(cls, conn: sqlite3.Connection, command: StoredCommand) -> StoredCommand | None:
        return cls._recall_key(conn, command.key, command.fingerprint)

    @staticmethod
    def _recall_key(conn: sqlite3.Connection, key: str, fingerprint: str) -> StoredCommand | None:
        row = conn.execute(
            "SELECT fingerprint, result FROM command_results WHERE key = ?", (key,)
        ).fetchone()
        stored = None if row is None else StoredCommand(key, row[0], json.loads(row[1]))
        return same_request(stored, fingerprint)

    def recall(self, key: str, fingerprint: str) -> StoredCommand | None:
        return self._recall_key(self._conn(), key, fingerprint)

    # -- reading -------------------------------------------------------------------------

    def stream_version(self, stream_id: str) -> int:
        return self._version(self._conn(), stream_id)

    def read_stream(
        self,
        stream_id: str,
        *,
        after_version: int = 0,
        up_to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[Envelope]:
        sql = f"SELECT {COLUMNS} FROM events WHERE stream_id = ?"
        args: list[Any] = [stream_id]
        if after_version:
            sql += " AND stream_version > ?"
            args.append(after_version)
        if up_to_version is not None:
            sql += " AND stream_version <= ?"
            args.append(up_to_version)
        if as_of is not None:
            sql += " AND recorded_at <= ?"
            args.append(timestamp(as_of))
        rows = self._conn().execute(sql + " ORDER BY stream_version", args).fetchall()
        return [_envelope(row) for row in rows]

    def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",
                (after_position, limit),
            )
            .fetchall()
        )
        return [_envelope(row) for row in rows]

    def head_position(self) -> int:
        row = self._conn().execute("SELECT MAX(position) FROM events").fetchone()
        return int(row[0] or 0)

    def get_checkpoint(self, name: str) -> str | None:
        row = (
            self._conn().execute("SELECT value FROM checkpoints WHERE name = ?", (name,)).fetchone()
        )
        return None if row is None else str(row[0])

    def put_checkpoint(self, name: str, value: str) -> None:
        with self._write_lock:
            self._conn().execute(
                "INSERT INTO checkpoints VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
            self._wal.wrote()

    def close(self) -> None:
        self._wal.close()
        for conn in self._connections:
            conn.close()
        self._connections.clear()
        self._local = threading.local()
