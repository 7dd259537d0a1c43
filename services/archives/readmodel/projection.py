"""The archives projection: consumes every topic into the read model (one SQLite file).

The consumer runner calls `apply` inside the transaction that also records the stream version,
so a redelivered event changes nothing. Every member event is also logged (`archive_log`) so
an archive can be reconstructed as it stood at any time, and exported with its event ids.

Each member's archive is stored as rows (`archive_rows`): the member row and a row per entry.
Within a transaction the projection folds events into archives in memory, noting the entries
each event changed, and writes those entries and the member rows once, when the consumer is
about to commit (`flush`; `discard` on a rollback). It keeps the archives it wrote last in
memory and reuses one only when the member row still carries the same marker (event count and
last event id): after a rolled-back transaction, or in a new file, the rows win and the
archive is read from them again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from archives.readmodel.archive import MEMBER_EVENTS, Archive, EntryKey, apply, empty_archive
from archives.readmodel.archive_rows import (
    TABLES,
    VIEWS,
    marker,
    read_archive,
    views,
    write_archives,
)
from archives.readmodel.publications import DOCUMENT_EVENTS, keep_version
from archives.readmodel.publications import TABLE as PUBLICATIONS
from kernel.database import Connection, dialect_of, upsert
from kernel.envelope import Envelope
from kernel.events import DomainEvent, encode
from kernel.projection import KeptDocuments

SCHEMA = (
    """
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
CREATE TABLE IF NOT EXISTS archive_log (
    seq INTEGER PRIMARY KEY, school_id TEXT NOT NULL, member_id TEXT NOT NULL,
    branch_id TEXT NOT NULL, event_type TEXT NOT NULL, event_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL, envelope BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_log_by_member ON archive_log (school_id, member_id, seq);
CREATE TABLE IF NOT EXISTS objective_points (
    school_id TEXT NOT NULL, member_id TEXT NOT NULL, period TEXT NOT NULL,
    points REAL NOT NULL,
    PRIMARY KEY (school_id, member_id, period)
);
"""
    + TABLES
    + PUBLICATIONS
)
UPSERT_SCHOOL = upsert("schools", ("school_id", "name"), 1)
UPSERT_BRANCH = upsert("branches", ("school_id", "branch_id", "name"), 2)
UPSERT_CLOSED_PERIOD = upsert("closed_periods", ("school_id", "period", "kind"), 2)
UPSERT_MODEL_POST = upsert("model_posts", ("school_id", "post_id", "name", "kind"), 2)
UPSERT_OBJECTIVE_POINTS = upsert(
    "objective_points", ("school_id", "member_id", "period", "points"), 3
)

#: What the file holds, recorded in it: a file made for another definition (older code) is
#: rebuilt from the log (`kernel.projection`). The tables are in it; bump the revision when
#: the fold changes what the rows hold (3: publications kept, published results frozen).
DEFINITION = (
    f"archive rows, revision 3, tables {hashlib.sha256((SCHEMA + VIEWS).encode()).hexdigest()[:12]}"
)
CACHED_ARCHIVES = 1024
LOG = (
    "INSERT INTO archive_log (school_id, member_id, branch_id, event_type, event_id, "
    "recorded_at, envelope) VALUES (?, ?, ?, ?, ?, ?, ?)"
)

Key = tuple[str, str]  # (school_id, member_id)


class ArchiveProjection:
    name = "archive"
    definition = DEFINITION

    def __init__(self, cached: int = CACHED_ARCHIVES) -> None:
        self._archives: KeptDocuments[Key, Archive] = KeptDocuments(cached)
        # In the open transaction: each archive changed, and the entries to write of it;
        # the log's new rows, in the order the events were applied.
        self._changed: dict[Key, tuple[Archive, dict[EntryKey, None]]] = {}
        self._logged: list[tuple[str, str, str, str, str, str, bytes]] = []

    def migrate(self, conn: Connection) -> None:
        """Statement by statement: the runner migrates inside its transaction, which
        `executescript` would commit. The views read JSON, which each database spells its
        own way (archive_rows.views)."""
        for statement in (SCHEMA + views(dialect_of(conn))).split(";"):
            if statement.strip():
                conn.execute(statement)
        self._archives.clear()  # a new file: nothing written before counts
        self.discard()

    def apply(self, conn: Connection, envelope: Envelope, event: DomainEvent) -> None:
        # The body as the current schema has it: the envelope's own unless it was upcast.
        current = envelope.schema_version == type(event).schema_version
        data = envelope.data if current else encode(event)
        school = envelope.school_id
        match envelope.event_type:
            case "SchoolRegistered":
                conn.execute(UPSERT_SCHOOL, (school, data["name"]))
            case "BranchEstablished":
                conn.execute(
                    UPSERT_BRANCH,
                    (school, data["branch_id"], data["name"]),
                )
            case "PeriodClosed":
                conn.execute(
                    UPSERT_CLOSED_PERIOD,
                    (school, data["period"], data["kind"]),
                )
            case "ModelPostEstablished":
                conn.execute(
                    UPSERT_MODEL_POST,
                    (school, data["post_id"], data["name"], data["kind"]),
                )
            case "EvaluationUpdated":  # what the roll-ups' bands rank (rollups.py)
                conn.execute(
                    UPSERT_OBJECTIVE_POINTS,
                    (school, data["member_id"], data["period"], data["objective"]["points"]),
                )
        if envelope.event_type in DOCUMENT_EVENTS:
            keep_version(conn, envelope, data)
        if envelope.event_type == "PublicationIssued":
            # One publication, many members: each archive logs it and takes its own entry.
            for entry in data["entries"]:
                self._apply_to_archive(conn, envelope, data, str(entry["member_id"]))
        elif envelope.event_type in MEMBER_EVENTS and "member_id" in data:
            self._apply_to_archive(conn, envelope, data, str(data["member_id"]))

    def _apply_to_archive(
        self, conn: Connection, envelope: Envelope, data: dict[str, Any], member_id: str
    ) -> None:
        school = envelope.school_id
        key = (school, member_id)
        changing = self._changed.get(key)
        if changing is None:
            archive = self._take(conn, key) or empty_archive(school, member_id)
        else:
            archive = changing[0]
        changed = apply(archive, envelope, dict(data))
        if changed is None:
            return
        if changing is None:
            changing = self._changed[key] = (archive, {})
        changing[1].update(dict.fromkeys(changed))
        self._logged.append(
            (
                school,
                member_id,
                archive["member"]["branch_id"],
                envelope.event_type,
                archive["event_ids"][-1],
                archive["as_of"],  # the event's recorded_at, as the fold wrote it
                envelope.to_json(),  # as received: not serialised again
            )
        )

    def flush(self, conn: Connection) -> None:
        """Write what the open transaction changed: each changed entry once, and the member
        rows."""
        if not self._changed:
            return
        conn.executemany(LOG, self._logged)
        self._logged.clear()
        write_archives(conn, list(self._changed.values()))
        for key, (archive, _) in self._changed.items():
            self._archives.keep(key, archive)
        self._changed.clear()

    def discard(self) -> None:
        """The transaction rolled back: what it changed in memory is not so."""
        self._changed.clear()
        self._logged.clear()

    def _take(self, conn: Connection, key: Key) -> Archive | None:
        """The member's archive as the rows have it: the one kept in memory when it is that
        state, else read from the rows. Taken out of memory: a failing fold must not leave a
        half-changed archive behind (it is kept again once written)."""
        kept = self._archives.take(key)
        row = conn.execute(
            "SELECT events, last_event_id FROM members WHERE school_id = ? AND member_id = ?",
            key,
        ).fetchone()
        if row is None:
            return None
        if kept is not None and marker(kept) == (row[0], row[1]):
            return kept
        return read_archive(conn, *key)
