"""Ceiling: how fast this machine inserts single rows into PostgreSQL's `events` table (the
store's own schema: its primary key and unique indexes), one autocommit INSERT each, with
psycopg 3. Parameters are built before the clock starts."""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg

from bench.harness import Measurement, Rig, Timing, best_of, timed
from bench.samples import STREAMS, member_of, pledge_json, stream_of
from kernel.envelope import utcnow
from kernel.store.postgres import PostgresEventStore, connect_options

ROWS = 5_000
REPEATS = 3

INSERT = (
    b"INSERT INTO events (position, event_id, stream_id, stream_version, event_type, "
    b"schema_version, school_id, partition_key, occurred_at, recorded_at, actor_id, actor_role, "
    b"correlation_id, causation_id, data) "
    b"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::json)"
)


def events_schema(rig: Rig) -> Timing:
    return best_of(REPEATS, lambda: _insert_loop(rig, rig.count(ROWS)))


def _insert_loop(rig: Rig, count: int) -> Timing:
    url, schema = rig.postgres(), rig.new_schema("raw")
    PostgresEventStore(url, schema=schema).close()  # the tables and indexes, migrated
    data, now = pledge_json(), utcnow()
    rows = [_event_row(n, data, now) for n in range(count)]
    with psycopg.connect(url, autocommit=True, **connect_options(schema)) as conn:
        execute = conn.execute

        def loop() -> None:
            for row in rows:
                execute(INSERT, row)

        return timed(count, loop)


def _event_row(n: int, data: str, now: datetime) -> tuple[object, ...]:
    """A row as the store writes it: streams round-robin, each at its next version."""
    return (
        n + 1,  # position
        uuid.uuid4(),
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
    Measurement(
        "postgres.events", "PostgreSQL bare insert, `events` schema", "insert", events_schema
    ),
]
