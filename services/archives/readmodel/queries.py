"""Queries over the archives read model: members, archives (now or as of a time), roll-ups
with bands instead of ranks, changes for watchers, exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from archives.readmodel.archive import Archive, apply, empty_archive
from archives.readmodel.projection import load_archive, read_archive
from kernel.envelope import Envelope
from kernel.errors import NotFound
from kernel.events import EventRegistry, encode
from kernel.periods import Period
from kernel.projection import ReadModelQueries
from kernel.store.sqlite import timestamp

BAND_LABELS = ("top quarter", "second quarter", "third quarter", "bottom quarter")


def bands(points: list[float]) -> list[dict[str, Any]]:
    """Members in four bands by points (比业绩 shown as bands, never as individual ranks)."""
    ordered = sorted(points, reverse=True)
    if not ordered:
        return []
    size, extra = divmod(len(ordered), 4)
    result, start = [], 0
    for index, label in enumerate(BAND_LABELS):
        count = size + (1 if index < extra else 0)
        if count == 0:
            continue
        chunk = ordered[start : start + count]
        result.append(
            {"label": label, "members": count, "min_points": chunk[-1], "max_points": chunk[0]}
        )
        start += count
    return result


def points_in(archive: Archive, period: Period | None) -> float:
    return round(
        sum(
            r["awarded_points"]
            for r in archive["records"].values()
            if r["status"] == "verified"
            and (period is None or period.contains(datetime.fromisoformat(r["occurred_on"]).date()))
        ),
        4,
    )


@dataclass(frozen=True)
class MemberRow:
    branch_id: str
    marker: tuple[int, str]  # see projection.marker: one state of the archive


class ArchiveQueries(ReadModelQueries):
    read_model = "archive read model"

    def __init__(self, db_path: Path, registry: EventRegistry) -> None:
        super().__init__(db_path)
        self.registry = registry

    def member_row(self, school_id: str, member_id: str) -> Archive:
        archive = load_archive(self.conn, school_id, member_id)
        if archive is None or not archive["member"]["name"]:
            raise NotFound(f"member {member_id} does not exist", field="member_id")
        return archive

    def reader_row(self, school_id: str, member_id: str) -> MemberRow:
        """What reading a member's archive is allowed by (their branch) and which state of it
        the read model holds: from the row's columns, without touching the document."""
        row = self.conn.execute(
            "SELECT branch_id, events, last_event_id FROM members "
            "WHERE school_id = ? AND member_id = ? AND name != ''",
            (school_id, member_id),
        ).fetchone()
        if row is None:
            raise NotFound(f"member {member_id} does not exist", field="member_id")
        return MemberRow(str(row[0]), (int(row[1]), str(row[2])))

    def member(self, school_id: str, member_id: str) -> dict[str, Any]:
        """The member's profile, without reading the whole archive into Python."""
        row = self.conn.execute(
            "SELECT json_extract(archive, '$.member') FROM members "
            "WHERE school_id = ? AND member_id = ?",
            (school_id, member_id),
        ).fetchone()
        member: dict[str, Any] | None = None if row is None else json.loads(row[0])
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
        self.conn.execute("BEGIN")  # one snapshot: the log and the kept archive agree
        try:
            (latest,) = self.conn.execute(
                "SELECT MAX(seq) FROM archive_log WHERE school_id = ? AND member_id = ?",
                (school_id, member_id),
            ).fetchone()
            if latest == seq:
                return self.member_row(school_id, member_id)
            return self._replay(school_id, member_id, "AND seq <= ?", seq)
        finally:
            self.conn.execute("COMMIT")

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
    ) -> tuple[list[Archive], str]:
        sql = "SELECT archive FROM members WHERE school_id = ? AND member_id > ?"
        args: list[Any] = [school_id, after]
        if branch_id:
            sql += " AND branch_id = ?"
            args.append(branch_id)
        rows = self.conn.execute(sql + " ORDER BY member_id LIMIT ?", (*args, page_size + 1))
        archives = [read_archive(raw) for (raw,) in rows.fetchall()]
        more = len(archives) > page_size
        archives = archives[:page_size]
        return archives, archives[-1]["member"]["member_id"] if more else ""

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
        sql = "SELECT archive FROM members WHERE school_id = ? AND active = 1"
        args: list[Any] = [school_id]
        if branch_id:
            sql += " AND branch_id = ?"
            args.append(branch_id)
        archives = [read_archive(raw) for (raw,) in self.conn.execute(sql, args).fetchall()]
        records = [r for a in archives for r in a["records"].values()]
        points = [points_in(a, period) for a in archives]
        summary: dict[str, Any] = {
            "school_id": school_id,
            "branch_id": branch_id,
            "members": len(archives),
            "records": len(records),
            "verified_records": sum(r["status"] == "verified" for r in records),
            "pending_records": sum(r["status"] == "pending" for r in records),
            "verified_points": round(sum(points), 4),
            "model_posts_held": sum(
                not p["released_on"] for a in archives for p in a["posts"].values()
            ),
            "bands": bands(points),
            "branches": [],
        }
        if not branch_id:
            summary["branches"] = self._branch_lines(school_id, archives, period)
        return summary

    def _branch_lines(
        self, school_id: str, archives: list[Archive], period: Period | None
    ) -> list[dict[str, Any]]:
        lines = []
        for branch_id, name in self.conn.execute(
            "SELECT branch_id, name FROM branches WHERE school_id = ? ORDER BY branch_id",
            (school_id,),
        ).fetchall():
            members = [a for a in archives if a["member"]["branch_id"] == branch_id]
            lines.append(
                {
                    "branch_id": branch_id,
                    "name": name,
                    "members": len(members),
                    "verified_points": round(sum(points_in(a, period) for a in members), 4),
                }
            )
        return lines

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

    def last_seq(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM archive_log").fetchone()[0])
