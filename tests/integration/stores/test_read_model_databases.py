"""A read model behaves alike in a SQLite file and in a PostgreSQL schema (kernel.database): its
rows, the stream versions it applied and its log positions commit together or not at all,
survive a reopen, and are emptied when its definition changes; queries and the
read-your-writes watch see only what was committed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from toy.points import CONTEXT, PointsAwarded, PointsProjection

from kernel.database import ReadModelDatabase, SqliteReadModel
from kernel.envelope import Envelope
from kernel.errors import Unavailable
from kernel.postgres_database import PostgresReadModel
from kernel.projection import AppliedWatch, LogPosition, Outcome, ProjectionDb, ReadModelQueries
from kernel.store.memory import MemoryEventStore
from kernel.store.port import PendingEvent

OpenDatabase = Callable[[], ReadModelDatabase]


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> OpenDatabase:
    """Opens the same read model's database each time it is called."""
    if request.param == "sqlite":
        return lambda: SqliteReadModel(tmp_path / "points.db")
    url = str(request.getfixturevalue("postgres_database"))
    return lambda: PostgresReadModel(url, "service_points")


def awarded(*points: int, member: str = "m1") -> list[tuple[Envelope, PointsAwarded]]:
    store = MemoryEventStore()
    out = []
    for version, value in enumerate(points):
        event = PointsAwarded(member_id=member, points=value)
        (envelope,) = store.append(
            f"member-{member}",
            version,
            [PendingEvent(event)],
            context=CONTEXT,
            partition_key=member,
        ).envelopes
        out.append((envelope, event))
    return out


def points(db: ProjectionDb) -> dict[str, tuple[int, str]]:
    rows = db.conn.execute("SELECT member_id, total, versions FROM points").fetchall()
    return {member: (total, versions) for member, total, versions in rows}


def test_rows_versions_and_positions_commit_together_and_survive_a_reopen(
    database: OpenDatabase,
) -> None:
    db = ProjectionDb(database(), PointsProjection())
    assert db.fresh
    with db.transaction():
        for envelope, event in awarded(3, 4):
            assert db.apply(envelope, event) is Outcome.APPLIED
        db.keep_position("vanguard.toy", 0, LogPosition("topic-id", 2))
    db.close()

    again = ProjectionDb(database(), PointsProjection())
    assert not again.fresh
    assert points(again) == {"m1": (7, "1,2")}
    assert again.versions() == {"member-m1": 2}
    assert again.position("vanguard.toy", 0) == LogPosition("topic-id", 2)
    (envelope, event), _ = awarded(3, 4)
    with again.transaction():
        assert again.apply(envelope, event) is Outcome.DUPLICATE
    again.close()


def test_a_rolled_back_transaction_leaves_nothing(database: OpenDatabase) -> None:
    db = ProjectionDb(database(), PointsProjection())
    with pytest.raises(RuntimeError), db.transaction():
        for envelope, event in awarded(3, 4):
            db.apply(envelope, event, isolated=False)
        db.keep_position("vanguard.toy", 0, LogPosition("topic-id", 2))
        raise RuntimeError("the consumer failed before committing")

    assert points(db) == {}
    assert db.versions() == {} and db.applied_version("member-m1") == 0
    assert db.position("vanguard.toy", 0) is None
    db.close()


def test_a_failing_event_is_rolled_back_alone(database: OpenDatabase) -> None:
    db = ProjectionDb(database(), PointsProjection())
    (first, first_event), (bad, bad_event), (third, third_event) = awarded(3, -1, 5)
    with db.transaction():
        db.apply(first, first_event)
        with pytest.raises(ValueError):
            db.apply(bad, bad_event)
        db.mark(bad)  # stepped over (dead-lettered), so the stream goes on
        db.apply(third, third_event)

    assert points(db) == {"m1": (8, "1,3")}
    assert db.versions() == {"member-m1": 3}
    db.close()


class Redefined(PointsProjection):
    definition = "points, revision 2"


def test_a_new_definition_empties_the_read_model(database: OpenDatabase) -> None:
    db = ProjectionDb(database(), PointsProjection())
    with db.transaction():
        for envelope, event in awarded(3):
            db.apply(envelope, event)
    db.close()

    rebuilt = ProjectionDb(database(), Redefined())
    assert rebuilt.fresh
    assert points(rebuilt) == {} and rebuilt.versions() == {}
    rebuilt.close()
    assert not ProjectionDb(database(), Redefined()).fresh


async def test_queries_and_the_watch_see_what_was_committed(database: OpenDatabase) -> None:
    queries, watch = ReadModelQueries(database()), AppliedWatch(database())
    with pytest.raises(Unavailable):
        _ = queries.conn  # the consumer has not created it yet
    assert not await watch.wait_until("member-m1", 1, 0.05)

    db = ProjectionDb(database(), PointsProjection())
    with db.transaction():
        for envelope, event in awarded(3, 4):
            db.apply(envelope, event)
    assert await watch.wait_until("member-m1", 2, 5.0)
    assert queries.conn.execute("SELECT total FROM points").fetchall() == [(7,)]

    db.drop()
    queries.close()
    watch.close()
    assert ProjectionDb(database(), PointsProjection()).fresh
