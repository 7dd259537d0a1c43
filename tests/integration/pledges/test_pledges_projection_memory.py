"""The pledges projection keeps the documents it wrote last in memory: whatever rolls back,
the read model it writes is the one a fresh projection fed the same events writes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from toy.points import CONTEXT
from unit.pledges.pledge_kit import SECRETARY, progress, published

from contracts.pledges import registry
from contracts.vocabulary import Verdict
from kernel.envelope import Envelope
from kernel.projection import ProjectionDb
from kernel.repository import Repository
from kernel.store.sqlite import SqliteEventStore
from pledges.readmodel.projection import PledgesProjection


def lifecycle(tmp_path: Path) -> list[Envelope]:
    """A pledge made, approved, published, reported on and verified: five events."""
    store = SqliteEventStore(tmp_path / "events.db")
    pledge = published()
    pledge.report_fulfilment(progress((1, 60)), "上了两节公开课", ("doc-1",))
    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.ACCEPTED, (), "")
    Repository(store, registry).save(pledge, CONTEXT)
    envelopes = store.read_all()
    store.close()
    return envelopes


def feed(db: ProjectionDb, envelopes: list[Envelope]) -> None:
    with db.transaction():
        for envelope in envelopes:
            db.apply(envelope, registry.decode(envelope))


def rows(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT * FROM pledges ORDER BY pledge_id").fetchall()


def test_a_rolled_back_transaction_leaves_no_kept_document_behind(tmp_path: Path) -> None:
    envelopes = lifecycle(tmp_path)
    db = ProjectionDb(tmp_path / "pledges.db", PledgesProjection())
    feed(db, envelopes[:3])  # written and kept at version 3
    with pytest.raises(RuntimeError), db.transaction():
        db.apply(envelopes[3], registry.decode(envelopes[3]))
        db._flush()  # written (as before a savepoint), kept at version 4, then rolled back
        raise RuntimeError("the poll fails after the write")
    feed(db, envelopes[3:])  # must fold version 4 onto the file's version 3 again
    fresh = ProjectionDb(tmp_path / "fresh.db", PledgesProjection())
    feed(fresh, envelopes)
    assert rows(tmp_path / "pledges.db") == rows(tmp_path / "fresh.db")
    assert rows(tmp_path / "pledges.db")[0][6] == "published"  # status after a verification


def test_one_event_per_transaction_folds_the_kept_document(tmp_path: Path) -> None:
    envelopes = lifecycle(tmp_path)
    db = ProjectionDb(tmp_path / "pledges.db", PledgesProjection())
    for envelope in envelopes:
        feed(db, [envelope])
    fresh = ProjectionDb(tmp_path / "fresh.db", PledgesProjection())
    feed(fresh, envelopes)
    assert rows(tmp_path / "pledges.db") == rows(tmp_path / "fresh.db")
