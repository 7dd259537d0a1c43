"""Queries over the archives read model: members, archives (now or as of a time), roll-ups
(`rollups`), changes for watchers, exports. A current archive is read from its rows
(`archive_rows`); an archive as of a time, or right after a given change, is the member's log
replayed through the same fold the projection keeps the rows with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic_core import from_json

from archives.readmodel import rollups
from archives.readmodel.archive import Archive, apply, empty_archive
from archives.readmodel.archive_rows import read_archive
from archives.readmodel.publications import publication_view
from contracts.periods import Period
from kernel.database import Connection, ReadModelDatabase
from kernel.envelope import Envelope
from kernel.errors import NotFound
from kernel.events import EventRegistry, encode
from kernel.projection import ReadModelQueries
from kernel.store.sqlite import timestamp


@dataclass(frozen=True)
class MemberRow:
    branch_id: str
    marker: tuple[int, str]  # see archive_rows.marker: one state of the archive


class ArchiveQueries(ReadModelQueries):
    read_model = "archive read model"

    def __init__(self, where: Path | ReadModelDatabase, registry: EventRegistry) -> None:
        super().__init__(where)
        self.registry = registry

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One read transaction: every query inside sees the same state of the file."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def member_row(self, school_id: str, member_id: str) -> Archive:
        """The member's current archive, read from its rows."""
        with self.snapshot() as conn:
            archive = read_archive(conn, school_id, member_id)
        if archive is None or not archive["member"]["name"]:
            raise NotFound(f"member {member_id} does not exist", field="member_id")
        return archive

    def reader_row(self, school_id: str, member_id: str) -> MemberRow:
        """What reading a member's archive is allowed by (their branch) and which state of it
        the read model holds: from the member row alone."""
        row = self.conn.execute(
            "SELECT branch_id, events, last_event_id FROM members "
            "WHERE school_id = ? AND member_id = ? AND name != ''",
            (school_id, member_id),
        ).fetchone()
        if row is None:
            raise NotFound(f"member {member_id} does not exist", field="member_id")
        return MemberRow(str(row[0]), (int(row[1]), str(row[2])))

    def member(self, school_id: str, member_id: str) -> dict[str, Any]:
        """The member's profile, from the member row alone."""
        row = self.conn.execute(
            "SELECT profile FROM members WHERE school_id = ? AND member_id = ?",
            (school_id, member_id),
        ).fetchone()
        member: dict[str, Any] | None = None if row is None else from_json(row[0])
        if member is None or not member["name"]:
            raise NotFound(f"member {member_id} does not exist", field="member_id")
        return member

    def archive(self, school_id: str, member_id: str, as_of: datetime | None = None) -> Archive:
        if as_of is None:
            return self.member_row(school_id, member_id)
        archive = self._replay(school_id, member_id, "AND recorded_at <= ?", timestamp(as_of))
        if not archive["member"]["name"]:
            raise NotFound(f"member {member_id} did not exist at {as_of}", field="as_of")
        return archive

    def archive_after(self, school_id: str, member_id: str, seq: int) -> Archive:
        """The member's archive right after the change logged at `seq` (a watcher may be
        told of several changes at once; each carries the archive as that change left it)."""
        with self.snapshot() as conn:  # the log and the rows agree
            (latest,) = conn.execute(
                "SELECT MAX(seq) FROM archive_log WHERE school_id = ? AND member_id = ?",
                (school_id, member_id),
            ).fetchone()
            if latest == seq:
                return self.member_row(school_id, member_id)
            return self._replay(school_id, member_id, "AND seq <= ?", seq)

    def _replay(self, school_id: str, member_id: str, condition: str, bound: object) -> Archive:
        """Fold the member's logged events that meet `condition` into a new archive: the
        same fold the projection keeps the live archive with."""
        rows = self.conn.execute(
            "SELECT envelope FROM archive_log WHERE school_id = ? AND member_id = ? "
            f"{condition} ORDER BY seq",
            (school_id, member_id, bound),
        ).fetchall()
        archive = empty_archive(school_id, member_id)
        for (raw,) in rows:
            envelope = Envelope.model_validate_json(raw)
            apply(archive, envelope, encode(self.registry.decode(envelope)))
        return archive

    def list_members(
        self, school_id: str, branch_id: str, page_size: int, after: str
    ) -> tuple[list[dict[str, Any]], str]:
        """A page of member profiles in id order, and the token of the next page ('')."""
        sql = "SELECT profile FROM members WHERE school_id = ? AND member_id > ?"
        args: list[Any] = [school_id, after]
        if branch_id:
            sql += " AND branch_id = ?"
            args.append(branch_id)
        rows = self.conn.execute(sql + " ORDER BY member_id LIMIT ?", (*args, page_size + 1))
        members = [from_json(raw) for (raw,) in rows.fetchall()]
        more = len(members) > page_size
        members = members[:page_size]
        return members, members[-1]["member_id"] if more else ""

    def branch_name(self, school_id: str, branch_id: str) -> str:
        row = self.conn.execute(
            "SELECT name FROM branches WHERE school_id = ? AND branch_id = ?",
            (school_id, branch_id),
        ).fetchone()
        if row is None:
            raise NotFound(f"branch {branch_id} does not exist", field="branch_id")
        return str(row[0])

    def summary(self, school_id: str, branch_id: str, period: Period | None) -> dict[str, Any]:
        """Roll-up of active members of a branch (or the whole school when branch_id is '')."""
        if branch_id:
            self.branch_name(school_id, branch_id)
        with self.snapshot() as conn:
            return rollups.summary(conn, school_id, branch_id, period)

    def publication(self, school_id: str, period: str) -> dict[str, Any]:
        """Every version of the period's publication (see `publications`); none, an empty
        list of versions, while the period has no publication."""
        with self.snapshot() as conn:
            return publication_view(conn, school_id, period)

    def changes_after(
        self, school_id: str, seq: int, *, member_id: str = "", branch_id: str = ""
    ) -> list[tuple[int, str, str, str, str]]:
        """(seq, member_id, event_type, event_id, recorded_at) of archive changes after `seq`."""
        sql = (
            "SELECT seq, member_id, event_type, event_id, recorded_at FROM archive_log "
            "WHERE school_id = ? AND seq > ?"
        )
        args: list[Any] = [school_id, seq]
        if member_id:
            sql += " AND member_id = ?"
            args.append(member_id)
        if branch_id:
            sql += " AND branch_id = ?"
            args.append(branch_id)
        return list(self.conn.execute(sql + " ORDER BY seq", args).fetchall())

    def seq_of(self, school_id: str, event_id: str, member_id: str = "") -> int | None:
        """Where the change an event made stands in the archive log (its last entry), None if
        the log holds none."""
        sql = "SELECT MAX(seq) FROM archive_log WHERE school_id = ? AND event_id = ?"
        args = [school_id, event_id]
        if member_id:  # narrowed by the member's index
            sql += " AND member_id = ?"
            args.append(member_id)
        found = self.conn.execute(sql, args).fetchone()[0]
        return None if found is None else int(found)

    def last_seq(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM archive_log").fetchone()[0])
