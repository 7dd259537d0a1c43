"""The event every store and SQLite figure writes, so their rows are alike: ~300 bytes of
JSON, mostly Chinese text, spread over a thousand streams."""

from __future__ import annotations

import json
from pathlib import Path

from kernel.envelope import Actor, CommandContext, Role
from kernel.events import DomainEvent, EventRegistry, encode
from kernel.relay import headers_of
from kernel.store import PendingEvent
from kernel.store.sqlite import SqliteEventStore

STREAMS = 1000  # commands touch this many streams, round-robin

registry = EventRegistry()


@registry.event("BenchPledgeMade")
class PledgeMade(DomainEvent):
    member_id: str
    period: str
    text: str
    points: int


CONTEXT = CommandContext(
    school_id="school-bench",
    actor=Actor(id="secretary-bench", role=Role.SECRETARY),
    correlation_id="correlation-bench",
)


def stream_of(n: int) -> str:
    return f"school-bench/member/{n % STREAMS}"


def member_of(n: int) -> str:
    return f"member-{n % STREAMS}"


def pledge(n: int) -> PledgeMade:
    return PledgeMade(
        member_id=member_of(n),
        period="2025-H2",
        text="本学期坚持按时参加组织生活,认真学习党的理论,带头完成教学任务,帮扶两名学生。" * 2,
        points=5,
    )


def pledge_json() -> str:
    """The `data` column of a pledge, as the store writes it."""
    return json.dumps(encode(pledge(0)), ensure_ascii=False)


def filled_store(path: Path, count: int) -> SqliteEventStore:
    """A store holding `count` pledges over `STREAMS` streams, one append each."""
    store = SqliteEventStore(path)
    for n in range(count):
        store.append(
            stream_of(n),
            n // STREAMS,
            [PendingEvent(pledge(n))],
            context=CONTEXT,
            partition_key=member_of(n),
        )
    return store


Record = tuple[bytes, bytes, list[tuple[str, bytes]]]  # value, key, headers


def relay_records(count: int, path: Path) -> list[Record]:
    """The records the relay would publish for such a store: same value, key and headers."""
    store = filled_store(path, count)
    try:
        records: list[Record] = []
        while len(records) < count:
            batch = store.read_all(after_position=len(records), limit=1000)
            records.extend((e.to_json(), e.partition_key.encode(), headers_of(e)) for e in batch)
        return records
    finally:
        store.close()
