"""The archives projection: consumes every topic into the read model (one SQLite file).

The consumer runner calls `apply` inside the transaction that also records the stream version,
so a redelivered event changes nothing. Every member event is also logged (`archive_log`) so
an archive can be reconstructed as it stood at any time, and exported with its event ids.
"""

from __future__ import annotations

import json
import sqlite3

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


def load_archive(conn: sqlite3.Connection, school_id: str, member_id: str) -> Archive | None:
    row = conn.execute(
        "SELECT archive FROM members WHERE school_id = ? AND member_id = ?", (school_id, member_id)
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


class ArchiveProjection:
    name = "archive"

    def migrate(self, conn: sqlite3.Connection) -> None:
        # Statement by statement: executescript would commit the runner's open transaction.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def apply(self, conn: sqlite3.Connection, envelope: Envelope, event: DomainEvent) -> None:
        data = encode(event)
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
        if envelope.event_type in MEMBER_EVENTS and "member_id" in data:
            self._apply_to_archive(conn, envelope, data)

    def _apply_to_archive(
        self, conn: sqlite3.Connection, envelope: Envelope, data: dict[str, object]
    ) -> None:
        school, member_id = envelope.school_id, str(data["member_id"])
        archive = load_archive(conn, school, member_id) or empty_archive(school, member_id)
        if not apply(archive, envelope, dict(data)):
            return
        member = archive["member"]
        conn.execute(
            "INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                school,
                member_id,
                member["branch_id"],
                member["name"],
                int(member["active"]),
                archive["verified_points"],
                json.dumps(archive, ensure_ascii=False),
            ),
        )
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
