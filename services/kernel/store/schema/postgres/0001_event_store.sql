-- The event store: events (also the outbox the relay reads in position order), the results of
-- idempotency keys, and named checkpoints (the relay's cursor).
CREATE TABLE events (
    position        BIGINT PRIMARY KEY,  -- assigned under the append lock: gapless, commit order
    event_id        UUID NOT NULL UNIQUE,
    stream_id       TEXT NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    schema_version  INTEGER NOT NULL,
    school_id       TEXT NOT NULL,
    partition_key   TEXT NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    actor_id        TEXT NOT NULL,
    actor_role      TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    causation_id    TEXT,
    data            JSON NOT NULL,  -- JSON, not JSONB: the text comes back as it was written
    UNIQUE (stream_id, stream_version)
);
CREATE TABLE command_results (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    result       JSON NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE checkpoints (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
