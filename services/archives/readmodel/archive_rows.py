"""How the read model stores each member's archive: the `members` row (the profile, the
counters, and the marker of the archive's state) and one `archive_entries` row per entry of a
section (a record, a model post, an assessment period, a pledge and its progress, an
evaluation, an appeal), its body as JSON (UTF-8 bytes, stored as a BLOB). An event rewrites
only the entries it changed and the member row; the archive's event ids are its events in
`archive_log`, in order. The views `member_records` and `member_posts` give SQL the fields
roll-ups count by. The SQL is portable (kernel.database) but for the views, which read JSON.

Entries come back in the order they were first written (`seq`, kept when an entry is
rewritten), which is the order the fold made them in: an archive read from the rows is the
one the fold built.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic_core import from_json, to_json

from archives.readmodel.archive import Archive, EntryKey, empty_archive
from kernel.database import Connection, upsert

TABLES = """
CREATE TABLE IF NOT EXISTS members (
    school_id TEXT NOT NULL, member_id TEXT NOT NULL, branch_id TEXT NOT NULL,
    name TEXT NOT NULL, active INTEGER NOT NULL, profile BLOB NOT NULL,
    verified_points REAL NOT NULL, events INTEGER NOT NULL, last_event_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    PRIMARY KEY (school_id, member_id)
);
CREATE INDEX IF NOT EXISTS members_by_branch ON members (school_id, branch_id, member_id);
CREATE TABLE IF NOT EXISTS archive_entries (
    seq INTEGER PRIMARY KEY, school_id TEXT NOT NULL, member_id TEXT NOT NULL,
    section TEXT NOT NULL, entry_id TEXT NOT NULL, body BLOB NOT NULL,
    UNIQUE (school_id, member_id, section, entry_id)
);
"""

#: The fields roll-ups count by, read from the entries' JSON bodies (as SQLite spells it).
VIEWS = """
CREATE VIEW IF NOT EXISTS member_records AS
SELECT school_id, member_id, entry_id AS record_id,
       json_extract(CAST(body AS TEXT), '$.status') AS status,
       json_extract(CAST(body AS TEXT), '$.awarded_points') AS awarded_points,
       json_extract(CAST(body AS TEXT), '$.occurred_on') AS occurred_on
FROM archive_entries WHERE section = 'records';
CREATE VIEW IF NOT EXISTS member_posts AS
SELECT school_id, member_id, entry_id AS post_id,
       json_extract(CAST(body AS TEXT), '$.released_on') AS released_on
FROM archive_entries WHERE section = 'posts';
"""
#: The same views as PostgreSQL spells them.
POSTGRES_VIEWS = """
CREATE OR REPLACE VIEW member_records AS
SELECT school_id, member_id, entry_id AS record_id,
       convert_from(body, 'UTF8')::json ->> 'status' AS status,
       (convert_from(body, 'UTF8')::json ->> 'awarded_points')::double precision
           AS awarded_points,
       convert_from(body, 'UTF8')::json ->> 'occurred_on' AS occurred_on
FROM archive_entries WHERE section = 'records';
CREATE OR REPLACE VIEW member_posts AS
SELECT school_id, member_id, entry_id AS post_id,
       convert_from(body, 'UTF8')::json ->> 'released_on' AS released_on
FROM archive_entries WHERE section = 'posts';
"""


def views(dialect: str) -> str:
    return POSTGRES_VIEWS if dialect == "postgres" else VIEWS


WRITE_MEMBER = upsert(
    "members",
    (
        "school_id",
        "member_id",
        "branch_id",
        "name",
        "active",
        "profile",
        "verified_points",
        "events",
        "last_event_id",
        "as_of",
    ),
    2,
)
WRITE_ENTRY = (
    "INSERT INTO archive_entries (school_id, member_id, section, entry_id, body) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (school_id, member_id, section, entry_id) "
    "DO UPDATE SET body = excluded.body"
)

Written = tuple[Archive, Iterable[EntryKey]]  # an archive and the entries to write of it


def marker(archive: Archive) -> tuple[int, str]:
    """What identifies one state of an archive: how many events, and the last one."""
    return archive["events"], archive["event_ids"][-1] if archive["event_ids"] else ""


def write_archives(conn: Connection, written: Sequence[Written]) -> None:
    """Write the given entries of each archive, and its member row."""
    conn.executemany(WRITE_ENTRY, _entry_rows(written))
    conn.executemany(WRITE_MEMBER, [_member_row(archive) for archive, _ in written])


def _entry_rows(written: Sequence[Written]) -> Iterator[tuple[str, str, str, str, bytes]]:
    for archive, entries in written:
        school_id, member_id = archive["member"]["school_id"], archive["member"]["member_id"]
        for section, entry_id in entries:
            yield school_id, member_id, section, entry_id, to_json(archive[section][entry_id])


def _member_row(archive: Archive) -> tuple[Any, ...]:
    member = archive["member"]
    return (
        member["school_id"],
        member["member_id"],
        member["branch_id"],
        member["name"],
        int(member["active"]),
        to_json(member),
        archive["verified_points"],
        *marker(archive),
        archive["as_of"],
    )


def read_archive(conn: Connection, school_id: str, member_id: str) -> Archive | None:
    """The member's archive as the rows hold it (None: no row). Call inside one transaction:
    the rows must all be of the same state."""
    key = (school_id, member_id)
    row = conn.execute(
        "SELECT profile, verified_points, events, as_of FROM members "
        "WHERE school_id = ? AND member_id = ?",
        key,
    ).fetchone()
    if row is None:
        return None
    archive = empty_archive(school_id, member_id)
    archive.update(member=from_json(row[0]), verified_points=row[1], events=row[2], as_of=row[3])
    for section, entry_id, body in conn.execute(
        "SELECT section, entry_id, body FROM archive_entries "
        "WHERE school_id = ? AND member_id = ? ORDER BY seq",
        key,
    ):
        archive[section][entry_id] = from_json(body)
    archive["event_ids"] = [
        event_id
        for (event_id,) in conn.execute(
            "SELECT event_id FROM archive_log WHERE school_id = ? AND member_id = ? ORDER BY seq",
            key,
        )
    ]
    return archive
