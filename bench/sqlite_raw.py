"""Ceiling: how fast this machine inserts single rows into SQLite, one autocommit each, with
the pragmas of `kernel.store.sqlite.connect`. Parameters are built before the clock starts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from bench.harness import Measurement, Rig, Timing, best_of, timed
from bench.samples import STREAMS, member_of, pledge_json, stream_of
from kernel.envelope import utcnow
from kernel.store.drafts import timestamp
from kernel.store.sqlite import INSERT, SCHEMA, connect

ROWS = 20_000
REPEATS = 5  # best of: other work on the machine only ever slows a loop down

MINIMAL = "CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"


def _insert_loop(rig: Rig, schema: str, sql: str, rows: Sequence[tuple[object, ...]]) -> Timing:
    conn = connect(rig.new_file("sqlite-raw"))
    try:
        conn.executescript(schema)
        execute = conn.execute

        def loop() -> None:
            for row in rows:
                execute(sql, row)

        return timed(len(rows), loop)
    finally:
        conn.close()


def minimal_table(rig: Rig) -> Timing:
    rows = [(pledge_json(),)] * rig.count(ROWS)
    sql = "INSERT INTO rows (body) VALUES (?)"
    return best_of(REPEATS, lambda: _insert_loop(rig, MINIMAL, sql, rows))


def events_schema(rig: Rig) -> Timing:
    return best_of(REPEATS, lambda: _insert_loop(rig, SCHEMA, INSERT, _event_rows(rig)))


def _event_rows(rig: Rig) -> list[tuple[object, ...]]:
    """Rows as the store writes them: streams round-robin, each at its next version."""
    data, now = pledge_json(), timestamp(utcnow())
    return [_event_row(n, data, now) for n in range(rig.count(ROWS))]


def _event_row(n: int, data: str, now: str) -> tuple[object, ...]:
    return (
        str(uuid.uuid4()),
        stream_of(n),
        n // STREAMS + 1,  # stream version
        "BenchPledgeMade",
        1,
        "school-bench",
        member_of(n),
        now,
        now,
        "secretary-bench",
        "secretary",
        "correlation-bench",
        None,
        data,
    )


MEASUREMENTS = [
    Measurement("sqlite.minimal", "SQLite bare insert, minimal table", "insert", minimal_table),
    Measurement("sqlite.events", "SQLite bare insert, `events` schema", "insert", events_schema),
]
