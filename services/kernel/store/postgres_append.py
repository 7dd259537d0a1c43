"""An append to the PostgreSQL store in one round trip: one call of the schema's
`append_events` (migration 0002), which takes the append lock, refuses a repeated key or a
stale version by writing nothing, and else writes the events and the key. A refusal is told
apart afterwards, by the caller: only a refused append reads."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg.types.json import Json

from kernel.envelope import Envelope
from kernel.store.drafts import Batch, Draft, timestamp
from kernel.store.port import StoredCommand

Conn = psycopg.Connection[tuple[Any, ...]]

CALL = b"SELECT * FROM append_events(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


def events_json(drafts: list[Draft]) -> str:
    """The drafts as the one JSON text `append_events` takes: each body inserted as the text
    it was serialised to, so the store keeps it byte for byte."""
    return "[" + ",".join(_event_json(draft) for draft in drafts) + "]"


def _event_json(draft: Draft) -> str:
    at = "null" if draft.occurred_at is None else f'"{timestamp(draft.occurred_at)}"'
    kind = json.dumps(draft.event_type, ensure_ascii=False)
    return (
        f'{{"id":"{draft.event_id}","type":{kind},"schema":{draft.schema_version},'
        f'"at":{at},"data":{draft.text}}}'
    )


def append_at_once(
    conn: Conn, batch: Batch, expected: int | None, command: StoredCommand | None
) -> tuple[Envelope, ...]:
    """Append a batch of at least one event (an autocommit connection: the call is its own
    transaction); () when refused, and then nothing was written."""
    context, drafts = batch.context, batch.drafts
    args = (
        batch.stream_id,
        expected,
        None if command is None else command.key,
        None if command is None else command.fingerprint,
        None if command is None else Json(command.result),
        context.school_id,
        batch.partition_key,
        context.actor.id,
        context.actor.role.value,
        context.correlation_id,
        context.causation_id,
        events_json(drafts),
    )
    rows = conn.execute(CALL, args).fetchall()
    if not rows:
        return ()
    return tuple(
        batch.envelope(draft, version, position, recorded)
        for draft, (position, version, recorded) in zip(drafts, rows, strict=True)
    )
