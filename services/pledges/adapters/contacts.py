"""The contact book: contacts of feedback givers in a small SQLite file of their own, apart
from the event store and the read model. Personal data is kept only while a secretary may
need it to follow up, and can be erased, which an event never could."""

from __future__ import annotations

from pathlib import Path

from kernel.store.sqlite import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    school_id TEXT NOT NULL, feedback_id TEXT NOT NULL, contact TEXT NOT NULL,
    PRIMARY KEY (school_id, feedback_id)
)
"""


class SqliteContactBook:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(path)
        self._conn.execute(SCHEMA)

    def keep(self, school_id: str, feedback_id: str, contact: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO contacts VALUES (?, ?, ?)", (school_id, feedback_id, contact)
        )

    def contact_of(self, school_id: str, feedback_id: str) -> str:
        row = self._conn.execute(
            "SELECT contact FROM contacts WHERE school_id = ? AND feedback_id = ?",
            (school_id, feedback_id),
        ).fetchone()
        return "" if row is None else str(row[0])

    def forget(self, school_id: str, feedback_id: str) -> None:
        self._conn.execute(
            "DELETE FROM contacts WHERE school_id = ? AND feedback_id = ?", (school_id, feedback_id)
        )

    def close(self) -> None:
        self._conn.close()
