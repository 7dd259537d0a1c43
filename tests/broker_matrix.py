"""The broker every test of a run talks to: Tansu or Apache Kafka, chosen once per run
(`pytest --broker kafka`, or VANGUARD_TEST_BROKER; tests/conftest.py). Every fixture that
starts a broker starts it here."""

from __future__ import annotations

import os
from typing import cast

from kernel.broker import EmbeddedBroker, embedded_broker
from kernel.broker_quirks import BROKER_KINDS, BrokerKind

ENV = "VANGUARD_TEST_BROKER"


def broker_kind() -> BrokerKind:
    kind = os.environ.get(ENV, "tansu")
    if kind not in BROKER_KINDS:
        raise ValueError(f"{ENV}={kind!r}: expected one of {', '.join(BROKER_KINDS)}")
    return cast(BrokerKind, kind)


def new_broker(port: int | None = None) -> EmbeddedBroker:
    """A broker of this run's kind, not started yet (use it as a context manager)."""
    return embedded_broker(broker_kind(), port)
