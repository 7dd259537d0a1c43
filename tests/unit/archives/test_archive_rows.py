"""The archive read model keeps each archive as rows (a member row and a row per entry) and
writes only what a transaction changed. Whatever the transactions, rollbacks and restarts, the
archive read back from the rows is the one the pure fold builds from the same events; and a
file made when each archive was one JSON document is rebuilt, not misread."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archives.readmodel.archive import Archive, apply, empty_archive
from archives.readmodel.archive_rows import read_archive
from archives.readmodel.projection import ArchiveProjection
from contracts.archives import registry
from kernel.envelope import Actor, Envelope, Role
from kernel.projection import ProjectionDb

SCHOOL = "s-rows"
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


class Story:
    """Envelopes of one school, each stream numbered from 1, an hour apart."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.clock = itertools.count()

    def event(self, stream: str, event_type: str, **data: Any) -> Envelope:
        self.versions[stream] = self.versions.get(stream, 0) + 1
        moment = START + timedelta(hours=next(self.clock))
        return Envelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=1,
            school_id=SCHOOL,
            stream_id=f"{SCHOOL}/{stream}",
            stream_version=self.versions[stream],
            partition_key=str(data.get("member_id", stream)),
            occurred_at=moment,
            recorded_at=moment,
            actor=Actor(id="committee-1", role=Role.COMMITTEE),
            correlation_id="c",
            data=data,
        )

    def member(self, member_id: str) -> Envelope:
        return self.event(
            f"member/{member_id}",
            "MemberRegistered",
            member_id=member_id,
            name="李老师",
            branch_id="b-1",
            roles=["teacher"],
            joined_party_on="2010-07-01",
        )

    def record(self, member_id: str, record_id: str, points: float = 3.0) -> Envelope:
        return self.event(
            f"record/{record_id}",
            "PerformanceRecorded",
            record_id=record_id,
            member_id=member_id,
            branch_id="b-1",
            category="duty_performance",
            channel="self_declared",
            occurred_on="2026-09-10",
            description="公开课一等奖",
            claimed_points=points,
        )

    def verify(self, member_id: str, record_id: str, points: float) -> Envelope:
        return self.event(
            f"record/{record_id}",
            "RecordVerified",
            record_id=record_id,
            member_id=member_id,
            awarded_points=points,
            note="核实",
        )

    def assign(self, member_id: str, post_id: str) -> Envelope:
        return self.event(
            f"member/{member_id}",
            "MemberAssignedToPost",
            post_id=post_id,
            member_id=member_id,
            post_name="党员班主任示范岗",
            post_kind="head_teacher",
            assigned_on="2026-09-02",
        )

    def assess(self, member_id: str, period: str, tier: str) -> Envelope:
        scores = {"study": 80.0, "work": 85.0, "discipline": 90.0, "devotion": 88.0}
        return self.event(
            f"assessment/{member_id}/{period}",
            "AssessmentSubmitted",
            member_id=member_id,
            period=period,
            tier=tier,
            scores=scores,
            ballot_id=str(uuid.uuid4()),
        )


def fed(db: ProjectionDb, envelopes: list[Envelope]) -> None:
    """One consumer transaction, as the runner's quick pass applies a poll."""
    with db.transaction():
        for envelope in envelopes:
            db.apply(envelope, registry.decode(envelope), isolated=False)


def folded(envelopes: list[Envelope], member_id: str) -> Archive:
    archive = empty_archive(SCHOOL, member_id)
    for envelope in envelopes:
        if envelope.data.get("member_id") == member_id:
            apply(archive, envelope, dict(envelope.data))
    return archive


def stored(db: ProjectionDb, member_id: str) -> Archive | None:
    with db.transaction() as conn:
        return read_archive(conn, SCHOOL, member_id)


def test_rows_hold_the_folded_archive_through_rollbacks_failures_and_restarts(
    tmp_path: Path,
) -> None:
    story = Story()
    path = tmp_path / "archive.db"
    db = ProjectionDb(path, ArchiveProjection())
    applied: list[Envelope] = []

    first = [story.member("m1"), story.member("m2"), story.record("m1", "r1")]
    first += [story.record("m1", "r2"), story.assign("m1", "post-1"), story.record("m2", "r3")]
    fed(db, first)
    applied += first

    # A poll that fails half-way is rolled back: memory must not keep what the file lost.
    doomed = [story.verify("m1", "r1", 2.5), story.record("m1", "r4")]
    with pytest.raises(RuntimeError), db.transaction():
        for envelope in doomed:
            db.apply(envelope, registry.decode(envelope), isolated=False)
        raise RuntimeError("the broker went away")
    fed(db, doomed)  # the same poll, read again
    applied += doomed

    # The careful pass: a failing event leaves nothing behind, the others go in.
    stray = story.verify("m1", "r-unknown", 1.0)
    later = [story.verify("m1", "r2", 4.0), story.assess("m1", "2026-09", "self")]
    with db.transaction():
        with pytest.raises(KeyError):
            db.apply(stray, registry.decode(stray))
        for envelope in later:
            db.apply(envelope, registry.decode(envelope))
    applied += later
    db.close()

    # A new process: nothing in memory, the rows are all there is.
    db = ProjectionDb(path, ArchiveProjection())
    last = [story.assign("m1", "post-2"), story.assign("m1", "post-1"), story.verify("m2", "r3", 3)]
    last += [story.assess("m1", "2026-09", "peer"), story.record("m1", "r5")]
    fed(db, last)
    applied += last

    for member_id in ("m1", "m2"):
        assert stored(db, member_id) == folded(applied, member_id), member_id
    m1 = stored(db, "m1")
    assert m1 is not None
    assert list(m1["records"]) == ["r1", "r2", "r4", "r5"]  # the order they were made in
    assert list(m1["posts"]) == ["post-1", "post-2"]  # post-1 assigned again keeps its place
    assert m1["verified_points"] == 6.5
    assert m1["event_ids"] == [str(e.event_id) for e in applied if e.data["member_id"] == "m1"]


WATCH_WRITES = """
CREATE TEMP TABLE written (entry TEXT);
CREATE TEMP TRIGGER entry_inserted AFTER INSERT ON main.archive_entries
BEGIN INSERT INTO written VALUES (NEW.section || '/' || NEW.entry_id); END;
CREATE TEMP TRIGGER entry_updated AFTER UPDATE ON main.archive_entries
BEGIN INSERT INTO written VALUES (NEW.section || '/' || NEW.entry_id); END;
"""


def test_a_transaction_writes_only_the_entries_it_changed_once(tmp_path: Path) -> None:
    story = Story()
    db = ProjectionDb(tmp_path / "archive.db", ArchiveProjection())
    fed(db, [story.member("m1")] + [story.record("m1", f"r{n}") for n in range(30)])
    db.conn.executescript(WATCH_WRITES)

    poll = [story.verify("m1", "r7", 4.0), story.record("m1", "r30"), story.verify("m1", "r30", 1)]
    fed(db, poll)

    written = [entry for (entry,) in db.conn.execute("SELECT entry FROM written")]
    assert written == ["records/r7", "records/r30"]
    m1 = stored(db, "m1")
    assert m1 is not None and (m1["events"], m1["verified_points"]) == (34, 5.0)


OLD_TABLES = """
CREATE TABLE members (
    school_id TEXT NOT NULL, member_id TEXT NOT NULL, branch_id TEXT NOT NULL,
    name TEXT NOT NULL, active INTEGER NOT NULL, verified_points REAL NOT NULL,
    archive TEXT NOT NULL,
    events INTEGER NOT NULL DEFAULT 0, last_event_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (school_id, member_id)
);
CREATE TABLE applied_streams (stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO members VALUES ('s-rows', 'm1', 'b-1', '李老师', 1, 0, '{}', 1, 'e-1');
INSERT INTO applied_streams VALUES ('s-rows/member/m1', 1);
"""


def test_a_file_made_when_each_archive_was_one_document_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_TABLES)
    old.close()

    db = ProjectionDb(path, ArchiveProjection())

    assert db.fresh  # the runner feeds it the whole log again
    assert db.versions() == {}
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(members)")}
    assert "archive" not in columns and "profile" in columns
    registered = Story().member("m1")
    fed(db, [registered])
    assert stored(db, "m1") == folded([registered], "m1")
    db.close()
    assert not ProjectionDb(path, ArchiveProjection()).fresh  # the same definition is kept
