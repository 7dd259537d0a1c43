"""Kernel figures: the event store's single-event appends on SQLite and on PostgreSQL, one
command each (one `append` with an expected version, no idempotency key), streams
round-robin."""

from __future__ import annotations

from bench import postgres_raw
from bench.harness import Measurement, Ratio, Rig, Timing, best_of, timed
from bench.samples import CONTEXT, STREAMS, member_of, pledge, stream_of
from bench.sqlite_raw import REPEATS, ROWS
from kernel.store import EventStore, PendingEvent
from kernel.store.postgres import PostgresEventStore
from kernel.store.sqlite import SqliteEventStore

TARGET = 0.40


def single_event_appends(rig: Rig) -> Timing:
    return best_of(REPEATS, lambda: _append_loop(rig, rig.count(ROWS)))


def postgres_appends(rig: Rig) -> Timing:
    return best_of(
        postgres_raw.REPEATS,
        lambda: _append_loop(
            rig,
            rig.count(postgres_raw.ROWS),
            PostgresEventStore(rig.postgres(), schema=rig.new_schema("store")),
        ),
    )


def _append_loop(rig: Rig, count: int, store: EventStore | None = None) -> Timing:
    store = store or SqliteEventStore(rig.new_file("store"))
    # What the domain hands over, built before the clock starts.
    streams = [(stream_of(n), member_of(n), [PendingEvent(pledge(n))]) for n in range(STREAMS)]

    def loop() -> None:
        for n in range(count):
            stream_id, member, events = streams[n % STREAMS]
            store.append(stream_id, n // STREAMS, events, context=CONTEXT, partition_key=member)

    try:
        return timed(count, loop)
    finally:
        store.close()


MEASUREMENTS = [
    Measurement(
        "store.append",
        "Event store: single-event appends (version checked)",
        "append",
        single_event_appends,
        ratios=(
            Ratio("sqlite.minimal", TARGET, "the floor: one TEXT column, no index"),
            Ratio("sqlite.events", TARGET, "the table and UNIQUE index the store writes"),
        ),
    ),
    Measurement(
        "store.append.postgres",
        "Event store on PostgreSQL: single-event appends (version checked)",
        "append",
        postgres_appends,
        ratios=(Ratio("postgres.events", TARGET, "the table and indexes the store writes"),),
    ),
]
