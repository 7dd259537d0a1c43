"""The pledges projection: `vanguard.pledges` into one SQLite file, a row per pledge and per
feedback, each with its JSON document and the columns queries filter on.

The consumer runner calls `apply` inside the transaction that also records the stream
version, so a redelivered event changes nothing; dropping the file rebuilds it identically.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kernel.envelope import Envelope
from kernel.events import DomainEvent, encode
from pledges.readmodel.documents import (
    PLEDGE_FOLDS,
    Document,
    new_feedback,
    new_pledge,
    restage,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS pledges (
    school_id TEXT NOT NULL, pledge_id TEXT NOT NULL, member_id TEXT NOT NULL,
    branch_id TEXT NOT NULL, period TEXT NOT NULL, lead TEXT NOT NULL, status TEXT NOT NULL,
    stage TEXT NOT NULL, overdue INTEGER NOT NULL, last_due_on TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (school_id, pledge_id)
);
CREATE INDEX IF NOT EXISTS pledges_by_branch ON pledges (school_id, branch_id, pledge_id);
CREATE INDEX IF NOT EXISTS pledges_by_member ON pledges (school_id, member_id, pledge_id);
CREATE INDEX IF NOT EXISTS pledges_by_status ON pledges (status, overdue, last_due_on);
CREATE TABLE IF NOT EXISTS feedback (
    school_id TEXT NOT NULL, feedback_id TEXT NOT NULL, pledge_id TEXT NOT NULL,
    member_id TEXT NOT NULL, branch_id TEXT NOT NULL, status TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (school_id, feedback_id)
);
CREATE INDEX IF NOT EXISTS feedback_by_pledge ON feedback (school_id, pledge_id, feedback_id);
"""


def load(
    conn: sqlite3.Connection, table: str, key: str, school_id: str, id: str
) -> Document | None:
    row = conn.execute(
        f"SELECT document FROM {table} WHERE school_id = ? AND {key} = ?", (school_id, id)
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


class PledgesProjection:
    name = "pledges"

    def migrate(self, conn: sqlite3.Connection) -> None:
        # Statement by statement: executescript would commit the runner's open transaction.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def apply(self, conn: sqlite3.Connection, envelope: Envelope, event: DomainEvent) -> None:
        data = encode(event)
        kind = envelope.event_type
        if kind.startswith("Feedback"):
            self._feedback(conn, envelope, data)
            return
        school = envelope.school_id
        if kind == "PledgeMade":
            document = new_pledge(envelope, data)
        else:
            found = load(conn, "pledges", "pledge_id", school, data["pledge_id"])
            if found is None:
                raise LookupError(f"{kind} for unknown pledge {data['pledge_id']}")
            document = found
            PLEDGE_FOLDS[kind](document, envelope, data)
        document["version"] = envelope.stream_version
        save_pledge(conn, document)

    def _feedback(self, conn: sqlite3.Connection, envelope: Envelope, data: dict[str, Any]) -> None:
        school, kind = envelope.school_id, envelope.event_type
        if kind == "FeedbackGiven":
            feedback = new_feedback(envelope, data)
        else:
            found = load(conn, "feedback", "feedback_id", school, data["feedback_id"])
            if found is None:
                raise LookupError(f"{kind} for unknown feedback {data['feedback_id']}")
            feedback = found
            feedback["status"] = "verified" if kind == "FeedbackVerified" else "dismissed"
            feedback["note"] = data.get("note") or data.get("reason", "")
        feedback["version"] = envelope.stream_version
        conn.execute(
            "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                school,
                feedback["feedback_id"],
                feedback["pledge_id"],
                feedback["member_id"],
                feedback["branch_id"],
                feedback["status"],
                json.dumps(feedback, ensure_ascii=False),
            ),
        )
        pledge = load(conn, "pledges", "pledge_id", school, data["pledge_id"])
        if pledge is not None:
            count_feedback(pledge["feedback"], kind, feedback["rating"])
            save_pledge(conn, pledge)


def count_feedback(summary: dict[str, int], kind: str, rating: int) -> None:
    if kind == "FeedbackGiven":
        summary["pending"] += 1
        return
    summary["pending"] -= 1
    if kind == "FeedbackVerified":
        summary["verified"] += 1
        summary["rating_sum"] += rating


def save_pledge(conn: sqlite3.Connection, document: Document) -> None:
    restage(document)
    conn.execute(
        "INSERT OR REPLACE INTO pledges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            document["school_id"],
            document["pledge_id"],
            document["member_id"],
            document["branch_id"],
            document["period"],
            document["lead"],
            document["status"],
            document["pdca_stage"],
            int(document["overdue"]),
            max(t["due_on"] for t in document["targets"]),
            json.dumps(document, ensure_ascii=False),
        ),
    )
