"""Where a read model lives: a SQLite file (the embedded default) or a schema of a PostgreSQL
database (`kernel.postgres_database`), behind one seam, so a projection and its queries run on
either without knowing which.

The SQL of the read models is kept portable, one text for both: `?` placeholders (the
PostgreSQL connection turns them into psycopg's `%s`), upserts as `INSERT ... ON CONFLICT`,
no SQLite-only functions in queries (SUM with COALESCE, not TOTAL), and in DDL the type names
`TEXT`, `INTEGER`, `DOUBLE PRECISION`, `BLOB` and `INTEGER PRIMARY KEY` (a row number given
by the database), which the PostgreSQL connection spells `BYTEA` and an identity column. The
few expressions that cannot be one text (reading a field of a JSON body) ask `dialect_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from kernel.store.sqlite import connect
from kernel.store.wal import WalCheckpointer

SAFETY_CHECKPOINT_PAGES = 10_000  # a writer checkpoints itself only past this (40 MB of WAL)


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Any: ...


class Connection(Protocol):
    """What read models use of a connection: sqlite3's, or the PostgreSQL adapter."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]], /) -> Any: ...

    def close(self) -> None: ...


def upsert(table: str, columns: tuple[str, ...], key: int) -> str:
    """INSERT of a whole row that replaces the row of the same key (its first `key`
    columns): one text for SQLite and PostgreSQL, unlike INSERT OR REPLACE."""
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    kept = ", ".join(f"{c} = excluded.{c}" for c in columns[key:])
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(columns[:key])}) DO UPDATE SET {kept}"
    )


def broken(conn: Connection) -> bool:
    """The connection was lost (a PostgreSQL server restarted): open another."""
    return bool(getattr(conn, "broken", False))


def dialect_of(conn: Connection) -> str:
    """'sqlite' or 'postgres': for the rare expression that cannot be written once."""
    return str(getattr(conn, "dialect", "sqlite"))


class Checkpoints(Protocol):
    def wrote(self, count: int = 1) -> None: ...

    def close(self) -> None: ...


class ReadModelDatabase(Protocol):
    """One projection's storage: opened by its consumer runner (which creates it), read by
    the queries and the read-your-writes watch once it exists."""

    name: str  # for logs: the file or the schema

    def exists(self) -> bool: ...

    def connect(self) -> Connection: ...

    def begin(self) -> str:
        """The statement that opens a write transaction."""
        ...

    def create(self, conn: Connection) -> None:
        """Make the database where it is not yet: called in the transaction that creates
        the projection's tables."""
        ...

    def tables(self, conn: Connection) -> list[str]: ...

    def checkpoints(self, every: int) -> Checkpoints: ...

    def drop_table(self, conn: Connection, table: str) -> None:
        """Drop a table and what depends on it (views)."""
        ...

    def changed_since(self, conn: Connection, seen: object) -> tuple[bool, object]:
        """Whether anything committed since `seen` (a token this returned before), and the
        new token. Cheap where the database can tell; else always True."""
        ...

    def drop(self) -> None: ...


class NoCheckpoints:
    """PostgreSQL checkpoints its own WAL."""

    def wrote(self, count: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class SqliteReadModel:
    """A read model in its own SQLite file (WAL; checkpoints off the consumer's thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def exists(self) -> bool:
        return self.path.exists()

    def connect(self) -> Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path)
        # WalCheckpointer checkpoints every `every` transactions, counted in streams, which a
        # big event (a publication) may undercount: the writer's own checkpoint stays, far
        # out, as a safety net.
        conn.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        return conn

    def begin(self) -> str:
        return "BEGIN IMMEDIATE"

    def create(self, conn: Connection) -> None:
        """The file exists once connected."""

    def tables(self, conn: Connection) -> list[str]:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [str(name) for (name,) in rows]

    def checkpoints(self, every: int) -> Checkpoints:
        return WalCheckpointer(self.path, connect, "NORMAL", every)

    def drop_table(self, conn: Connection, table: str) -> None:
        conn.execute(f'DROP TABLE "{table}"')  # a view of it stays, unread until recreated

    def changed_since(self, conn: Connection, seen: object) -> tuple[bool, object]:
        (data_version,) = conn.execute("PRAGMA data_version").fetchone()
        return data_version != seen, data_version

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def read_model_at(where: Path | ReadModelDatabase) -> ReadModelDatabase:
    """A path is a SQLite file; anything else is a database already chosen."""
    return SqliteReadModel(where) if isinstance(where, Path) else where


__all__ = [
    "Connection",
    "ReadModelDatabase",
    "SqliteReadModel",
    "broken",
    "dialect_of",
    "read_model_at",
    "upsert",
]
