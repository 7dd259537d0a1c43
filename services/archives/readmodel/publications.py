"""Publications (月度公示 / 季度通报 / 年度表彰) in the archives read model: every version of a
period's publication, the PublicationIssued of the close and each PublicationAmended after
it, kept whole and in order, each readable on its own.

A version is kept twice: as the current schema reads it (`document`, a v1 publication upcast),
which is what the queries show, and as it was received (`envelope`), whose payload is what
its digest covers (contracts.digests.verify_payload)."""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json, to_json

from kernel.database import Connection
from kernel.envelope import Envelope
from kernel.store.sqlite import timestamp

TABLE = """
CREATE TABLE IF NOT EXISTS publications (
    school_id TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL,
    event_id TEXT NOT NULL, event_type TEXT NOT NULL, recorded_at TEXT NOT NULL,
    document BLOB NOT NULL, envelope BLOB NOT NULL,
    PRIMARY KEY (school_id, period, event_id)
);
"""

#: The events that are versions of a publication.
DOCUMENT_EVENTS = frozenset({"PublicationIssued", "PublicationAmended"})

Version = dict[str, Any]  # one version: its metadata and the document it carries


def keep_version(conn: Connection, envelope: Envelope, data: dict[str, Any]) -> None:
    """Keep one version (`data`: its body upcast to the current schema). A version already
    kept (the same event delivered again) is kept once."""
    conn.execute(
        "INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            envelope.school_id,
            data["period"],
            envelope.stream_version,
            str(envelope.event_id),
            envelope.event_type,
            timestamp(envelope.recorded_at),
            to_json(data),
            envelope.to_json(),
        ),
    )


def versions(conn: Connection, school_id: str, period: str) -> list[Version]:
    """Every version of the period's publication, the issued one first; none while the
    period has no publication."""
    rows = conn.execute(
        "SELECT version, event_id, event_type, recorded_at, document FROM publications "
        "WHERE school_id = ? AND period = ? ORDER BY version, recorded_at",
        (school_id, period),
    ).fetchall()
    return [
        {
            "version": version,
            "event_id": event_id,
            "event_type": event_type,
            "recorded_at": recorded_at,
            "document": from_json(document),
        }
        for version, event_id, event_type, recorded_at, document in rows
    ]


def amendments_by_member(history: list[Version]) -> dict[str, str]:
    """The members an amendment changed, each with the appeal of the latest that did."""
    return {
        v["document"]["member_id"]: v["document"]["appeal_id"]
        for v in history
        if v["event_type"] == "PublicationAmended"
    }


def publication_view(conn: Connection, school_id: str, period: str) -> dict[str, Any]:
    """Every version of the period's publication with the names it is shown with: members'
    and branches' as the archive has them now, and the school's."""
    history = versions(conn, school_id, period)
    members = {e["member_id"] for v in history for e in v["document"]["entries"]}
    names = dict(
        conn.execute(
            "SELECT member_id, name FROM members WHERE school_id = ? AND member_id IN "
            f"({','.join('?' * len(members))})",
            (school_id, *sorted(members)),
        ).fetchall()
    )
    branch_names = dict(
        conn.execute(
            "SELECT branch_id, name FROM branches WHERE school_id = ?", (school_id,)
        ).fetchall()
    )
    school = conn.execute("SELECT name FROM schools WHERE school_id = ?", (school_id,)).fetchone()
    return {
        "school_id": school_id,
        "school_name": school[0] if school else "",
        "period": period,
        "versions": history,
        "names": names,
        "branch_names": branch_names,
    }
