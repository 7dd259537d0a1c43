"""Every measurement, in the order they run: ceilings before the figures compared with them.
A new figure is a module with a MEASUREMENTS list, added here."""

from __future__ import annotations

from bench import (
    archives,
    flow,
    grpc_raw,
    kafka_raw,
    pledges,
    postgres_raw,
    scoring,
    sqlite_raw,
    store,
)
from bench.harness import Measurement

MEASUREMENTS: list[Measurement] = [
    *sqlite_raw.MEASUREMENTS,
    *postgres_raw.MEASUREMENTS,
    *kafka_raw.MEASUREMENTS,
    *grpc_raw.MEASUREMENTS,
    *store.MEASUREMENTS,
    *flow.MEASUREMENTS,
    *archives.MEASUREMENTS,
    *pledges.MEASUREMENTS,
    *scoring.MEASUREMENTS,
]
