"""Schema migrations of the PostgreSQL backend: numbered SQL files, `schema/<set>/NNNN_what.sql`,
applied in number order when a store opens, all that are due in one transaction, each with
its row in `schema_migrations` (number, name, when); a number applied once is never run
again, so a change is a new file, never an edit. Starters racing on one database (two replicas) take
turns on an advisory lock, so each file runs once.

Our own runner, not a migration tool: the files are few, plain SQL, and the kernel must not
pull a framework into every service."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from psycopg import sql

if TYPE_CHECKING:
    import psycopg

FILE = re.compile(r"^(\d{4})_(\w+)\.sql$")
LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    number      INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, order=True)
class Migration:
    number: int
    name: str
    sql: str


def migrations(kind: str) -> list[Migration]:
    """The migrations of one set (`postgres`: the event store), in number order."""
    folder = resources.files("kernel.store") / "schema" / kind
    found = []
    for entry in folder.iterdir():
        match = FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    numbers = [m.number for m in found]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"two migrations of {kind} share a number: {sorted(numbers)}")
    return sorted(found)


def ensure_schema(conn: psycopg.Connection[tuple[Any, ...]], schema: str) -> None:
    """Create `schema` if missing (an autocommit connection; racing starters are serialised)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('vanguard.schemas'))")
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def migrate(conn: psycopg.Connection[tuple[Any, ...]], kind: str) -> list[int]:
    """Apply the migrations of `kind` not yet applied in the connection's schema (its
    search_path); returns the numbers applied now."""
    applied_now = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.migrations'))")
        conn.execute(LEDGER)
        done = {int(row[0]) for row in conn.execute("SELECT number FROM schema_migrations")}
        for migration in migrations(kind):
            if migration.number in done:
                continue
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (number, name) VALUES (%s, %s)",
                (migration.number, migration.name),
            )
            applied_now.append(migration.number)
    return applied_now
