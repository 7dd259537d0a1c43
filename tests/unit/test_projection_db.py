"""ProjectionDb with a projection that buffers in memory (BufferedProjection): what it flushes
is what the transaction applied, in the quick pass and in the careful one (a savepoint per
event), and a rollback leaves nothing in memory that the file does not hold."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from toy.points import CONTEXT, PointsAwarded

from kernel import projection as projection_module
from kernel.database import SAFETY_CHECKPOINT_PAGES, Connection
from kernel.envelope import Envelope
from kernel.events import DomainEvent
from kernel.projection import BufferedProjection, LogPosition, ProjectionDb
from kernel.store import PendingEvent
from kernel.store.sqlite import SqliteEventStore


class BufferedTotals:
    """Totals per member, changed in memory and written when the transaction commits."""

    name = "totals"

    def __init__(self) -> None:
        self.changed: dict[str, int] = {}
        self.flushes = 0

    def migrate(self, conn: Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS totals (member_id TEXT PRIMARY KEY, total INT)")

    def apply(self, conn: Connection, envelope: Envelope, event: DomainEvent) -> None:
        assert isinstance(event, PointsAwarded)
        member = event.member_id
        if member not in self.changed:
            row = conn.execute("SELECT total FROM totals WHERE member_id = ?", (member,)).fetchone()
            self.changed[member] = row[0] if row else 0
        self.changed[member] += event.points
        if event.points < 0:
            raise ValueError("negative points")  # after changing memory: discard must undo it

    def flush(self, conn: Connection) -> None:
        self.flushes += 1
        conn.executemany("INSERT OR REPLACE INTO totals VALUES (?, ?)", self.changed.items())
        self.changed.clear()

    def discard(self) -> None:
        self.changed.clear()


def events(tmp_path: Path, *points: int) -> list[tuple[Envelope, PointsAwarded]]:
    store = SqliteEventStore(tmp_path / "events.db")
    out = []
    for n, value in enumerate(points):
        event = PointsAwarded(member_id="m1", points=value)
        result = store.append("member-m1", n, [PendingEvent(event)], context=CONTEXT,
                              partition_key="m1")  # fmt: skip
        out.append((result.envelopes[0], event))
    store.close()
    return out


def totals(db: ProjectionDb) -> dict[str, int]:
    return dict(db.conn.execute("SELECT member_id, total FROM totals").fetchall())


def test_the_buffered_projection_is_recognised() -> None:
    assert isinstance(BufferedTotals(), BufferedProjection)


def test_a_quick_pass_writes_once_per_transaction(tmp_path: Path) -> None:
    projection = BufferedTotals()
    db = ProjectionDb(tmp_path / "totals.db", projection)
    flushes = projection.flushes
    with db.transaction():
        for envelope, event in events(tmp_path, 1, 2, 3):
            db.apply(envelope, event, isolated=False)
    assert totals(db) == {"m1": 6}
    assert projection.flushes == flushes + 1


def test_a_failed_quick_pass_leaves_nothing_in_memory_or_file(tmp_path: Path) -> None:
    projection = BufferedTotals()
    db = ProjectionDb(tmp_path / "totals.db", projection)
    applied = events(tmp_path, 1, -5, 3)
    with pytest.raises(ValueError), db.transaction():
        for envelope, event in applied:
            db.apply(envelope, event, isolated=False)
    assert projection.changed == {} and totals(db) == {}
    assert db.applied_version("member-m1") == 0


def test_the_careful_pass_keeps_the_events_around_a_failing_one(tmp_path: Path) -> None:
    projection = BufferedTotals()
    db = ProjectionDb(tmp_path / "totals.db", projection)
    with db.transaction():
        for envelope, event in events(tmp_path, 1, -5, 3):
            try:
                db.apply(envelope, event)
            except ValueError:
                db.mark(envelope)  # what the runner does: dead-lettered, stepped over
    assert totals(db) == {"m1": 4}
    assert db.applied_version("member-m1") == 3


def test_a_log_position_is_kept_with_the_events_applied_up_to_it(tmp_path: Path) -> None:
    path = tmp_path / "totals.db"
    db = ProjectionDb(path, BufferedTotals())
    applied = events(tmp_path, 1, -5)
    with db.transaction():
        db.apply(*applied[0], isolated=False)
        db.keep_position("points", 0, LogPosition("log-1", 1))
    with pytest.raises(ValueError), db.transaction():  # rolled back: its position too
        db.apply(*applied[1], isolated=False)
        db.keep_position("points", 0, LogPosition("log-1", 2))
    assert db.position("points", 0) == LogPosition("log-1", 1)
    assert db.position("points", 1) is None
    db.close()

    again = ProjectionDb(path, BufferedTotals())
    assert again.position("points", 0) == LogPosition("log-1", 1)
    assert again.applied_version("member-m1") == 1


class DefinedTotals(BufferedTotals):
    """The same read model, naming its definition: a file made for another is rebuilt."""

    def __init__(self, definition: str) -> None:
        super().__init__()
        self.definition = definition


def test_a_file_made_for_another_definition_is_emptied_and_fed_again(tmp_path: Path) -> None:
    path = tmp_path / "totals.db"
    db = ProjectionDb(path, DefinedTotals("totals, revision 1"))
    assert db.fresh
    with db.transaction():
        for envelope, event in events(tmp_path, 1, 2):
            db.apply(envelope, event, isolated=False)
        db.keep_position("points", 0, LogPosition("log-1", 2))
    db.conn.execute("CREATE TABLE leftover (x)")  # what an older revision also had
    db.close()

    same = ProjectionDb(path, DefinedTotals("totals, revision 1"))
    assert not same.fresh and totals(same) == {"m1": 3}
    same.close()

    newer = ProjectionDb(path, DefinedTotals("totals, revision 2"))
    assert newer.fresh  # the consumer replays the whole log into it
    assert newer.versions() == {} and totals(newer) == {}
    assert newer.position("points", 0) is None  # so the runner reads every log from its start
    tables = {row[0] for row in newer.conn.execute("SELECT name FROM sqlite_master")}
    assert "leftover" not in tables


def test_a_projection_naming_no_definition_keeps_its_file(tmp_path: Path) -> None:
    path = tmp_path / "totals.db"
    db = ProjectionDb(path, BufferedTotals())
    with db.transaction():
        for envelope, event in events(tmp_path, 1, 2):
            db.apply(envelope, event, isolated=False)
    db.close()
    again = ProjectionDb(path, BufferedTotals())
    assert not again.fresh and totals(again) == {"m1": 3}


def test_committed_changes_reach_the_database_file_without_the_writer_checkpointing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's commits only append to the WAL; a thread of its own copies them into the
    file (read here ignoring the WAL) once enough streams advanced."""
    monkeypatch.setattr(projection_module, "CHECKPOINT_EVERY", 1)
    path = tmp_path / "totals.db"
    db = ProjectionDb(path, BufferedTotals())
    autocheckpoint = db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    assert autocheckpoint == SAFETY_CHECKPOINT_PAGES
    with db.transaction():
        for envelope, event in events(tmp_path, 1, 2, 3):
            db.apply(envelope, event, isolated=False)

    def in_the_file() -> dict[str, int]:
        file = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return dict(file.execute("SELECT member_id, total FROM totals").fetchall())
        except sqlite3.OperationalError:  # not even the table is in the file yet
            return {}
        finally:
            file.close()

    deadline = time.monotonic() + 5.0
    while in_the_file() != {"m1": 6}:
        assert time.monotonic() < deadline, "the WAL was not checkpointed"
        time.sleep(0.02)
    db.close()
