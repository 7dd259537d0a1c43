"""The archives projection: consumes every topic into the read model (one SQLite file).

The consumer runner calls `apply` inside the transaction that also records the stream version,
so a redelivered event changes nothing. Every member event is also logged (`archive_log`) so
an archive can be reconstructed as it stood at any time, and exported with its event ids.

Each member's archive is one JSON document. Within a transaction the projection changes the
documents in memory and writes each changed one once, when the consumer is about to commit
(`flush`; `discard` on a rollback): a document rewritten at every event would cost its whole
size every time. It keeps the documents it wrote last in memory and reuses one only when the
row still carries the same marker (event count and last event id): after a rolled-back
transaction, or in a new file, the row wins and the document is read again.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from typing import Any

from pydantic_core import from_json, to_json

from archives.readmodel.archive import MEMBER_EVENTS, Archive, apply, empty_archive
from kernel.envelope import Envelope
from kernel.events import DomainEvent, encode
from kernel.store.sqlite import timestamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS schools (
    school_id TEXT PRIMARY KEY, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS branches (
    school_id TEXT NOT NULL, branch_id TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (school_id, branch_id)
);
CREATE TABLE IF NOT EXISTS closed_periods (
    school_id TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (school_id, period)
);
CREATE TABLE IF NOT EXISTS model_posts (
    school_id TEXT NOT NULL, post_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (school_id, post_id)
);
CREATE TABLE IF NOT EXISTS members (
    school_id TEXT NOT NULL, member_id TEXT NOT NULL, branch_id TEXT NOT NULL,
    name TEXT NOT NULL, active INTEGER NOT NULL, verified_points REAL NOT NULL,
    archive TEXT NOT NULL,
    events INTEGER NOT NULL DEFAULT 0, last_event_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (school_id, member_id)
);
CREATE INDEX IF NOT EXISTS members_by_branch ON members (school_id, branch_id, member_id);
CREATE TABLE IF NOT EXISTS archive_log (
    seq INTEGER PRIMARY KEY, school_id TEXT NOT NULL, member_id TEXT NOT NULL,
    branch_id TEXT NOT NULL, event_type TEXT NOT NULL, event_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL, envelope TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_log_by_member ON archive_log (school_id, member_id, seq);
"""


MARKER_COLUMNS = {
    "events": "INTEGER NOT NULL DEFAULT 0",
    "last_event_id": "TEXT NOT NULL DEFAULT ''",
}
CACHED_ARCHIVES = 1024


def read_archive(text: str) -> Archive:
    archive: Archive = from_json(text)
    return archive


def write_archive(archive: Archive) -> str:
    return to_json(archive).decode()


def load_archive(conn: sqlite3.Connection, school_id: str, member_id: str) -> Archive | None:
    row = conn.execute(
        "SELECT archive FROM members WHERE school_id = ? AND member_id = ?", (school_id, member_id)
    ).fetchone()
    return None if row is None else read_archive(row[0])


def marker(archive: Archive) -> tuple[int, str]:
    """What identifies one state of an archive: how many events, and the last one."""
    return archive["events"], archive["event_ids"][-1] if archive["event_ids"] else ""


class ArchiveProjection:
    name = "archive"

    def __init__(self, cached: int = CACHED_ARCHIVES) -> None:
        self._cached = cached
        self._archives: OrderedDict[tuple[str, str], Archive] = OrderedDict()
        self._changed: dict[tuple[str, str], Archive] = {}  # in the open transaction

    def migrate(self, conn: sqlite3.Connection) -> None:
        """Statement by statement: the runner migrates inside its transaction, which
        `executescript` would commit."""
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(members)")}
        for column, definition in MARKER_COLUMNS.items():
            if column not in columns:  # a file made before the markers existed
                conn.execute(f"ALTER TABLE members ADD COLUMN {column} {definition}")
        self._archives.clear()  # a new file: nothing written before counts
        self._changed.clear()

    def apply(self, conn: sqlite3.Connection, envelope: Envelope, event: DomainEvent) -> None:
        # The body as the current schema has it: the envelope's own unless it was upcast.
        current = envelope.schema_version == type(event).schema_version
        data = envelope.data if current else encode(event)
        school = envelope.school_id
        match envelope.event_type:
            case "SchoolRegistered":
                conn.execute("INSERT OR REPLACE INTO schools VALUES (?, ?)", (school, data["name"]))
            case "BranchEstablished":
                conn.execute(
                    "INSERT OR REPLACE INTO branches VALUES (?, ?, ?)",
                    (school, data["branch_id"], data["name"]),
                )
            case "PeriodClosed":
                conn.execute(
                    "INSERT OR REPLACE INTO closed_periods VALUES (?, ?, ?)",
                    (school, data["period"], data["kind"]),
                )
            case "ModelPostEstablished":
                conn.execute(
                    "INSERT OR REPLACE INTO model_posts VALUES (?, ?, ?, ?)",
                    (school, data["post_id"], data["name"], data["kind"]),
                )
        if envelope.event_type == "PublicationIssued":
            # One publication, many members: each archive logs it and takes its own entry.
            for entry in data["entries"]:
                self._apply_to_archive(conn, envelope, data, str(entry["member_id"]))
        elif envelope.event_type in MEMBER_EVENTS and "member_id" in data:
            self._apply_to_archive(conn, envelope, data, str(data["member_id"]))

    def _apply_to_archive(
        self, conn: sqlite3.Connection, envelope: Envelope, data: dict[str, Any], member_id: str
    ) -> None:
        school = envelope.school_id
        key = (school, member_id)
        archive = self._changed.get(key)
        if archive is None:
            archive = self._take(conn, key) or empty_archive(school, member_id)
        if not apply(archive, envelope, dict(data)):
            return
        self._changed[key] = archive
        member = archive["member"]
        conn.execute(
            "INSERT INTO archive_log (school_id, member_id, branch_id, event_type, event_id, "
            "recorded_at, envelope) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                school,
                member_id,
                member["branch_id"],
                envelope.event_type,
                str(envelope.event_id),
                timestamp(envelope.recorded_at),
                envelope.model_dump_json(),
            ),
        )

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write every archive the open transaction changed, once."""
        for (school, member_id), archive in self._changed.items():
            member = archive["member"]
            events, last_event_id = marker(archive)
            conn.execute(
                "INSERT OR REPLACE INTO members (school_id, member_id, branch_id, name, active, "
                "verified_points, archive, events, last_event_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    school,
                    member_id,
                    member["branch_id"],
                    member["name"],
                    int(member["active"]),
                    archive["verified_points"],
                    write_archive(archive),
                    events,
                    last_event_id,
                ),
            )
            self._keep((school, member_id), archive)
        self._changed.clear()

    def discard(self) -> None:
        """The transaction rolled back: what it changed in memory is not so."""
        self._changed.clear()

    def _take(self, conn: sqlite3.Connection, key: tuple[str, str]) -> Archive | None:
        """The member's archive as the row has it: the document kept in memory when it is
        that state, else read from the row. Taken out of memory: a failing fold must not leave
        a half-changed document behind (it is kept again once written)."""
        kept = self._archives.pop(key, None)
        row = conn.execute(
            "SELECT events, last_event_id FROM members WHERE school_id = ? AND member_id = ?",
            key,
        ).fetchone()
        if row is None:
            return None
        if kept is not None and marker(kept) == (row[0], row[1]):
            return kept
        return load_archive(conn, *key)

    def _keep(self, key: tuple[str, str], archive: Archive) -> None:
        self._archives[key] = archive
        if len(self._archives) > self._cached:
            self._archives.popitem(last=False)
