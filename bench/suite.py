"""Every measurement, in the order they run: ceilings before the figures compared with them.
A new figure is a module with a MEASUREMENTS list, added here. Those that talk to a broker
run once per broker (`ON_BROKER`); on Apache Kafka they carry a title and name of their own,
and are compared with the ceilings measured on Apache Kafka in the same run."""

from __future__ import annotations

from dataclasses import replace

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
from kernel.broker_quirks import BrokerKind

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

ON_BROKER = {
    m.name
    for m in (
        *kafka_raw.MEASUREMENTS,
        *flow.MEASUREMENTS,
        *archives.MEASUREMENTS,
        *pledges.MEASUREMENTS,
        *scoring.MEASUREMENTS,
    )
}
BROKER_TITLES: dict[BrokerKind, str] = {"tansu": "Tansu", "kafka": "Apache Kafka"}


def on_broker(measurement: Measurement, kind: BrokerKind) -> Measurement:
    """The measurement as run on `kind`: on Tansu as it always was (its history goes on), on
    Apache Kafka named `<name>@kafka`, titled `... [Apache Kafka]`, its broker ceilings those
    measured on Apache Kafka."""
    if kind == "tansu" or measurement.name not in ON_BROKER:
        return measurement
    ratios = tuple(
        replace(r, ceiling=f"{r.ceiling}@{kind}") if r.ceiling in ON_BROKER else r
        for r in measurement.ratios
    )
    return replace(
        measurement,
        name=f"{measurement.name}@{kind}",
        title=f"{measurement.title} [{BROKER_TITLES[kind]}]",
        ratios=ratios,
    )


def every_measurement(kinds: tuple[BrokerKind, ...]) -> list[Measurement]:
    """What a run on `kinds` measures, in order: everything on the first broker, then what
    talks to a broker again on each other one."""
    first, *others = kinds
    return [
        *(on_broker(m, first) for m in MEASUREMENTS),
        *(on_broker(m, kind) for kind in others for m in MEASUREMENTS if m.name in ON_BROKER),
    ]


RECORDED = every_measurement(("tansu", "kafka"))  # what RESULTS.md's summary lists
