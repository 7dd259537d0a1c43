"""Read models: the `Projection` protocol, the database a projection lives in (a SQLite file or
a PostgreSQL schema, `kernel.database`; with the record of what it applied, changed in the
same transaction as the read model), and the read-your-writes watch
(docs/design.md#store-relay-consumers).

A projection may name its `definition` (a string: the shape of its tables and what they
hold). The file records it; a file made for another definition, or before the projection
named one, is emptied when opened and fed the whole log again, as a new file would be: a read
model is rebuilt, never migrated.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Generic, Protocol, TypeVar, runtime_checkable

from kernel.database import Connection, ReadModelDatabase, broken, read_model_at
from kernel.envelope import Envelope
from kernel.errors import Unavailable
from kernel.events import DomainEvent

log = logging.getLogger("vanguard.projection")

APPLIED_STREAMS = """
CREATE TABLE IF NOT EXISTS applied_streams (
    stream_id  TEXT PRIMARY KEY,
    version    INTEGER NOT NULL
)
"""
# Where the read model stopped in each log it reads: the next offset of each topic partition,
# for the topic id it was read from. Written in the transaction that applied the records, so
# it is exactly as far as the read model got (the group's committed offsets may not be: they
# are committed later, and may belong to a log the broker has since lost).
LOG_POSITIONS = """
CREATE TABLE IF NOT EXISTS log_positions (
    topic        TEXT NOT NULL,
    partition    INTEGER NOT NULL,
    topic_id     TEXT NOT NULL,
    next_offset  INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
)
"""
DEFINITION = "CREATE TABLE IF NOT EXISTS projection_definition (definition TEXT NOT NULL)"
CHECKPOINT_EVERY = 500  # streams advanced between WAL checkpoints: some 1000 pages of writes


class Projection(Protocol):
    """A read model. `apply` runs inside the consumer's transaction: it must not commit.
    Optionally a `definition: str` attribute: change it whenever the tables or what they hold
    change, and files made by older code are rebuilt from the log."""

    name: str

    def migrate(self, conn: Connection) -> None:
        """Create the projection's tables (idempotent: runs at every start)."""
        ...

    def apply(self, conn: Connection, envelope: Envelope, event: DomainEvent) -> None: ...


@runtime_checkable
class BufferedProjection(Protocol):
    """A projection that keeps what a transaction changed in memory and writes it once, when
    the transaction is about to commit (a document rewritten per event costs its whole size
    every time). `ProjectionDb` calls `flush` before it commits and before each savepoint, and
    `discard` when it rolls back, so memory never holds what the file does not."""

    def flush(self, conn: Connection) -> None: ...

    def discard(self) -> None: ...


K = TypeVar("K")
D = TypeVar("D")


class KeptDocuments(Generic[K, D]):
    """The documents a buffered projection wrote last, at most `size` of them (the oldest go
    first), so the next event folds without reading its row. A document is taken out to be
    folded (a failing fold must not leave a half-changed one behind) and kept again once
    written."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[K, D] = OrderedDict()

    def take(self, key: K) -> D | None:
        return self._kept.pop(key, None)

    def keep(self, key: K, document: D) -> None:
        self._kept[key] = document
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()


class Outcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # version already applied: a redelivery or a republish
    GAP = "gap"  # an earlier version is missing: the broker lost it, the relay republishes


KEEP_POSITION = (
    "INSERT INTO log_positions VALUES (?, ?, ?, ?) ON CONFLICT(topic, partition) "
    "DO UPDATE SET topic_id = excluded.topic_id, next_offset = excluded.next_offset"
)
MARK = (
    "INSERT INTO applied_streams VALUES (?, ?) "
    "ON CONFLICT(stream_id) DO UPDATE SET version = excluded.version"
)


@dataclass(frozen=True)
class LogPosition:
    """The next offset to read in a partition of the log whose topic id is `topic_id`."""

    topic_id: str
    next_offset: int


class ProjectionDb:
    """The projection's own SQLite file. Not thread-safe: one consumer thread uses it, and no
    one else writes `applied_streams`: the versions it holds are kept in memory too, and the
    ones a transaction marks are written in one statement just before it commits."""

    def __init__(self, where: Path | ReadModelDatabase, projection: Projection) -> None:
        self.database = read_model_at(where)
        self.projection = projection
        # Asked once: an isinstance check of a runtime protocol is slow for a per-event path.
        self._buffered = projection if isinstance(projection, BufferedProjection) else None
        # A new (or, below, emptied) database: it keeps no log positions, so the consumer
        # runner feeds it every log from the start.
        self.fresh = not self.database.exists()
        self.conn = self.database.connect()
        # SQLite: WAL checkpoints every CHECKPOINT_EVERY streams, in a thread (see
        # kernel.database); PostgreSQL checkpoints by itself.
        self._wal = self.database.checkpoints(CHECKPOINT_EVERY)
        self._applied: dict[str, int] = {}  # committed versions, as in applied_streams
        self._marked: dict[str, int] = {}  # versions marked in the open transaction
        self._kept: dict[tuple[str, int], LogPosition] = {}  # positions kept in it
        self._positions: dict[tuple[str, int], LogPosition] = {}  # committed, as in the file
        with self.transaction():
            self.database.create(self.conn)
            self._renew_if_outdated(getattr(projection, "definition", ""))
            self.conn.execute(APPLIED_STREAMS)
            self.conn.execute(LOG_POSITIONS)
            projection.migrate(self.conn)
        self._applied = self.versions()
        self._positions = self._read_positions()

    def _renew_if_outdated(self, definition: str) -> None:
        """Empty a file made for another definition of the projection (every table goes,
        `applied_streams` too, so the log is applied again from the start) and record the
        projection's own. Inside the opening transaction: readers see the old tables or the
        new ones, never a mix."""
        if not definition:
            return
        tables = self.database.tables(self.conn)
        recorded = None
        if "projection_definition" in tables:
            row = self.conn.execute("SELECT definition FROM projection_definition").fetchone()
            recorded = None if row is None else str(row[0])
        if recorded == definition:
            return
        if tables:
            log.warning(
                "projection %s: %s was made for another definition (%s); rebuilding it from "
                "the log as %s",
                self.projection.name,
                self.database.name,
                recorded or "none recorded",
                definition,
            )
            for table in tables:
                self.database.drop_table(self.conn, table)
            self.fresh = True
        self.conn.execute(DEFINITION)
        self.conn.execute("INSERT INTO projection_definition VALUES (?)", (definition,))

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if broken(self.conn):  # the server restarted: a new session, and what it holds
            with suppress(Exception):
                self.conn.close()
            self.conn = self.database.connect()
            self.reload()
        self.conn.execute(self.database.begin())
        self._marked, self._kept = {}, {}
        try:
            yield self.conn
            self._flush()
            if self._marked:
                self.conn.executemany(MARK, self._marked.items())
            if self._kept:
                self.conn.executemany(
                    KEEP_POSITION,
                    [(t, p, at.topic_id, at.next_offset) for (t, p), at in self._kept.items()],
                )
        except BaseException:
            self._marked, self._kept = {}, {}
            self._discard()
            if not broken(self.conn):  # a lost session rolled back by itself
                self.conn.execute("ROLLBACK")
            raise
        marked, self._marked = self._marked, {}
        kept, self._kept = self._kept, {}
        self.conn.execute("COMMIT")
        self._applied.update(marked)
        self._positions.update(kept)
        self._wal.wrote(len(marked))

    def reload(self) -> None:
        """Read the applied versions and positions again: replicas share a PostgreSQL read
        model, and a partition handed over brings what another replica applied in it."""
        self._applied = self.versions()
        self._positions = self._read_positions()

    def versions(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT stream_id, version FROM applied_streams").fetchall()
        return {str(stream): int(version) for stream, version in rows}

    def _read_positions(self) -> dict[tuple[str, int], LogPosition]:
        rows = self.conn.execute("SELECT * FROM log_positions")
        return {(str(t), int(p)): LogPosition(str(i), int(o)) for t, p, i, o in rows}

    def position(self, topic: str, partition: int) -> LogPosition | None:
        """Where the read model stopped in that partition, as committed."""
        return self._positions.get((topic, partition))

    def keep_position(self, topic: str, partition: int, at: LogPosition) -> None:
        """Record, in the open transaction, that the partition was applied up to `at`."""
        self._kept[(topic, partition)] = at

    def applied_version(self, stream_id: str) -> int:
        """The stream's version as applied so far, the open transaction included."""
        marked = self._marked.get(stream_id)
        return marked if marked is not None else self._applied.get(stream_id, 0)

    def order_of(self, envelope: Envelope) -> Outcome | None:
        """DUPLICATE (applied already) or GAP (an earlier version is missing) by the stream's
        version; None when the envelope is the stream's next version, to be applied."""
        applied = self.applied_version(envelope.stream_id)
        if envelope.stream_version <= applied:
            return Outcome.DUPLICATE
        if envelope.stream_version > applied + 1:
            return Outcome.GAP
        return None

    def apply(self, envelope: Envelope, event: DomainEvent, *, isolated: bool = True) -> Outcome:
        """Apply one event exactly once and in stream order; call inside `transaction()`.
        Isolated, a failing `projection.apply` leaves nothing behind (savepoint) and re-raises;
        not isolated (cheaper), it leaves the transaction dirty: the caller must roll it back."""
        outcome = self.order_of(envelope)
        if outcome is not None:
            return outcome
        if not isolated:
            self.projection.apply(self.conn, envelope, event)
            self.mark(envelope)
            return Outcome.APPLIED
        self._flush()  # what the savepoint keeps must be in the file, not only in memory
        self.conn.execute("SAVEPOINT event")
        try:
            self.projection.apply(self.conn, envelope, event)
        except BaseException:
            self.conn.execute("ROLLBACK TO event")
            self.conn.execute("RELEASE event")
            self._discard()
            raise
        self.conn.execute("RELEASE event")
        self.mark(envelope)
        return Outcome.APPLIED

    def _flush(self) -> None:
        if self._buffered is not None:
            self._buffered.flush(self.conn)

    def _discard(self) -> None:
        if self._buffered is not None:
            self._buffered.discard()

    def mark(self, envelope: Envelope) -> None:
        """Record the envelope's version as done (also used to step over an event whose
        application failed and went to the dead letters, so the stream goes on). Written to
        `applied_streams` when the transaction commits, in the same transaction."""
        self._marked[envelope.stream_id] = envelope.stream_version

    def close(self) -> None:
        self._wal.close()
        self.conn.close()

    def drop(self) -> None:
        """Close and delete the database (a file and its WAL, or a schema): the next open
        starts empty."""
        self.close()
        self.database.drop()


class VersionWatch:
    """Which version of each stream the read model has committed; waits for one to arrive
    (read-your-writes after a command), from threads or from asyncio without blocking."""

    def __init__(self, versions: dict[str, int] | None = None) -> None:
        self._versions = dict(versions or {})
        self._cond = threading.Condition()
        self._async: list[tuple[str, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def version(self, stream_id: str) -> int:
        with self._cond:
            return self._versions.get(stream_id, 0)

    def reset(self, versions: dict[str, int]) -> None:
        with self._cond:
            self._versions = dict(versions)

    def advance(self, committed: dict[str, int]) -> None:
        """Call after a commit with the versions it made durable."""
        if not committed:
            return
        with self._cond:
            for stream_id, version in committed.items():
                if version > self._versions.get(stream_id, 0):
                    self._versions[stream_id] = version
            self._cond.notify_all()
            ready = [w for w in self._async if self._versions.get(w[0], 0) >= w[1]]
            self._async = [w for w in self._async if w not in ready]
        for _, _, loop, future in ready:
            with suppress(RuntimeError):  # the waiter's loop is closed: nobody listens
                loop.call_soon_threadsafe(_resolve, future)

    def wait_for(self, stream_id: str, version: int, timeout_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: self._versions.get(stream_id, 0) >= version, timeout_s
            )

    async def wait_until(self, stream_id: str, version: int, timeout_s: float) -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = (stream_id, version, loop, future)
        with self._cond:
            if self._versions.get(stream_id, 0) >= version:
                return True
            self._async.append(waiter)
        try:
            await asyncio.wait_for(future, timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            with self._cond:
                if waiter in self._async:
                    self._async.remove(waiter)


class AppliedWatch:
    """Read-your-writes from another process: the consumer runner applies events in the
    service's worker process, and this watches the projection database it commits to. While
    someone waits, it checks every `poll_s` whether the database changed (SQLite: its
    `data_version`, one cheap pragma) and only then reads the versions of the streams waited
    for."""

    def __init__(self, where: Path | ReadModelDatabase, poll_s: float = 0.002) -> None:
        self.database = read_model_at(where)
        self.poll_s = poll_s
        self._watch = VersionWatch()
        self._waiting: dict[str, int] = {}  # stream -> how many callers wait for it
        self._conn: Connection | None = None
        self._data_version: object = -1
        self._poller: asyncio.Task[None] | None = None

    async def wait_until(self, stream_id: str, version: int, timeout_s: float) -> bool:
        self._waiting[stream_id] = self._waiting.get(stream_id, 0) + 1
        try:
            self._refresh(force=True)
            if self._poller is None or self._poller.done():
                self._poller = asyncio.create_task(self._poll())
            return await self._watch.wait_until(stream_id, version, timeout_s)
        finally:
            left = self._waiting[stream_id] - 1
            if left:
                self._waiting[stream_id] = left
            else:
                del self._waiting[stream_id]

    async def _poll(self) -> None:
        while self._waiting:
            await asyncio.sleep(self.poll_s)
            self._refresh()

    def _refresh(self, force: bool = False) -> None:
        conn = self._connection()
        if conn is None or not self._waiting:
            return
        changed, data_version = self.database.changed_since(conn, self._data_version)
        if not changed and not force:
            return
        streams = list(self._waiting)
        marks = ",".join("?" * len(streams))
        try:
            rows = conn.execute(
                f"SELECT stream_id, version FROM applied_streams WHERE stream_id IN ({marks})",
                streams,
            ).fetchall()
        except Exception:  # the consumer is still creating its tables
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return
        self._data_version = data_version
        self._watch.advance({str(stream): int(version) for stream, version in rows})

    def _connection(self) -> Connection | None:
        """Opened once the consumer created the file (see `ReadModelQueries`)."""
        if self._conn is not None and broken(self._conn):
            self.close_connection()
        if self._conn is None and self.database.exists():
            self._conn = self.database.connect()
        return self._conn

    def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        self.close_connection()

    def close_connection(self) -> None:
        if self._conn is not None:
            with suppress(Exception):  # a lost session closes with an error
                self._conn.close()
            self._conn = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ReadModelQueries:
    """Read-only queries on a projection's database, on one connection opened at first use,
    and only once the consumer has created it: creating it here first would make the consumer
    take a dropped read model for one it already fed, and never replay the log into it (a
    rebuild by deleting the file would leave it empty)."""

    read_model = "read model"  # what callers are told is not ready yet

    def __init__(self, where: Path | ReadModelDatabase) -> None:
        self.database = read_model_at(where)
        self._conn: Connection | None = None

    @property
    def ready(self) -> bool:
        return self.database.exists()

    @property
    def conn(self) -> Connection:
        if self._conn is not None and broken(self._conn):
            self.close()
        if self._conn is None:
            if not self.ready:
                raise Unavailable(f"the {self.read_model} is not ready yet; retry shortly")
            self._conn = self.database.connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with suppress(Exception):  # a lost session closes with an error
                self._conn.close()
            self._conn = None
