"""The pledges projection: `vanguard.pledges` into one SQLite file, a row per pledge and per
feedback, each with its JSON document and the columns queries filter on.

The consumer runner calls `apply` inside the transaction that also records the stream
version, so a redelivered event changes nothing; dropping the file rebuilds it identically.
"""

from __future__ import annotations

import json
from typing import Any

from kernel.database import Connection, upsert
from kernel.envelope import Envelope
from kernel.events import DomainEvent, encode
from kernel.projection import KeptDocuments
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
UPSERT_PLEDGE = upsert(
    "pledges",
    (
        "school_id",
        "pledge_id",
        "member_id",
        "branch_id",
        "period",
        "lead",
        "status",
        "stage",
        "overdue",
        "last_due_on",
        "document",
    ),
    2,
)
UPSERT_FEEDBACK = upsert(
    "feedback",
    ("school_id", "feedback_id", "pledge_id", "member_id", "branch_id", "status", "document"),
    2,
)
CACHED_PLEDGES = 4096


def load(conn: Connection, table: str, key: str, school_id: str, id: str) -> Document | None:
    row = conn.execute(
        f"SELECT document FROM {table} WHERE school_id = ? AND {key} = ?", (school_id, id)
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


class PledgesProjection:
    """Buffered (`kernel.projection.BufferedProjection`): the pledge documents a transaction
    changes are written once, when it commits; the documents written last are kept in memory
    (`cached` of them), so the next event of a pledge is folded without reading and parsing
    its row. A kept document is used only as the state just before the event at hand (its
    version one below): a document kept from a transaction that rolled back is older or newer
    than that, and is read again. Feedback changes a pledge's counts without a new version,
    so a document feedback touched is never kept. One instance per file and consumer thread.
    """

    name = "pledges"

    def __init__(self, cached: int = CACHED_PLEDGES) -> None:
        self._kept: KeptDocuments[tuple[str, str], Document] = KeptDocuments(cached)
        self._changed: dict[tuple[str, str], Document] = {}  # in the open transaction
        self._uncacheable: set[tuple[str, str]] = set()  # changed by feedback, ditto

    def migrate(self, conn: Connection) -> None:
        self._kept.clear()  # a new file (a rebuild) holds none of them
        self.discard()
        # Statement by statement: executescript would commit the runner's open transaction.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def apply(self, conn: Connection, envelope: Envelope, event: DomainEvent) -> None:
        data = encode(event)
        kind = envelope.event_type
        if kind.startswith("Feedback"):
            self._feedback(conn, envelope, data)
            return
        key = (envelope.school_id, str(data["pledge_id"]))
        if kind == "PledgeMade":
            document = new_pledge(envelope, data)
        else:
            document = self._pledge(conn, key, envelope.stream_version - 1, kind)
            PLEDGE_FOLDS[kind](document, envelope, data)
        document["version"] = envelope.stream_version
        self._changed[key] = document

    def flush(self, conn: Connection) -> None:
        """Write every pledge document the open transaction changed, once."""
        for key, document in self._changed.items():
            save_pledge(conn, document)
            if key not in self._uncacheable:
                self._kept.keep(key, document)
        self._changed.clear()
        self._uncacheable.clear()

    def discard(self) -> None:
        """The transaction (or a savepoint) rolled back: what it changed is not so."""
        self._changed.clear()
        self._uncacheable.clear()

    def _pledge(self, conn: Connection, key: tuple[str, str], version: int, kind: str) -> Document:
        """The pledge's document at `version`: changed in this transaction, kept, or read.
        Taken out of memory: a failing fold must not leave a half-changed document behind."""
        document = self._changed.pop(key, None)
        if document is None:
            kept = self._kept.take(key)
            if kept is not None and kept["version"] == version:
                document = kept
            else:
                document = load(conn, "pledges", "pledge_id", *key)
        if document is None:
            raise LookupError(f"{kind} for unknown pledge {key[1]}")
        return document

    def _feedback(self, conn: Connection, envelope: Envelope, data: dict[str, Any]) -> None:
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
            UPSERT_FEEDBACK,
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
        key = (school, str(data["pledge_id"]))
        self._kept.take(key)
        pledge = self._changed.pop(key, None) or load(conn, "pledges", "pledge_id", *key)
        if pledge is not None:
            count_feedback(pledge["feedback"], kind, feedback["rating"])
            self._changed[key] = pledge
            self._uncacheable.add(key)


def count_feedback(summary: dict[str, int], kind: str, rating: int) -> None:
    if kind == "FeedbackGiven":
        summary["pending"] += 1
        return
    summary["pending"] -= 1
    if kind == "FeedbackVerified":
        summary["verified"] += 1
        summary["rating_sum"] += rating


def save_pledge(conn: Connection, document: Document) -> None:
    restage(document)
    conn.execute(
        UPSERT_PLEDGE,
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
