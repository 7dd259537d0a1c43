"""Shared fixtures: a real broker over TCP (Tansu, or Apache Kafka with `--broker kafka`),
real SQLite files, unique ids per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from broker_matrix import ENV, broker_kind, new_broker

from contracts.endpoints import SuiteSettings
from kernel.broker import EmbeddedBroker
from kernel.broker_quirks import BROKER_KINDS

TEST_PARTITIONS = 3

pytest_plugins = ["store_backends"]  # --store, the PostgreSQL server and databases


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--broker",
        choices=BROKER_KINDS,
        default=os.environ.get(ENV, "tansu"),
        help=f"the broker every test of this run talks to (default: ${ENV} or tansu)",
    )


def pytest_configure(config: pytest.Config) -> None:
    kind = config.getoption("--broker")
    # Once per run, for the fixtures (broker_matrix) and for every process a test starts:
    # the services read their broker's quirks from VANGUARD_BROKER (kernel.settings).
    os.environ[ENV] = kind
    os.environ["VANGUARD_BROKER"] = kind
    config.addinivalue_line(
        "markers", "memory_broker: needs a memory-only broker (Tansu): its loss wipes the data"
    )
    config.addinivalue_line("markers", "apache_kafka: needs Apache Kafka (`--broker kafka`)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kind = config.getoption("--broker")
    skips = {
        "memory_broker": (kind != "tansu", "Apache Kafka keeps its log when it restarts"),
        "apache_kafka": (kind != "kafka", "runs in the Apache Kafka pass (--broker kafka)"),
    }
    for item in items:
        for marker, (skip, reason) in skips.items():
            if skip and item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """One broker for the session. Tests that restart or kill it use `own_broker`."""
    with new_broker() as running:
        yield running


@pytest.fixture
def own_broker() -> Iterator[EmbeddedBroker]:
    """A broker this test alone uses, free to kill and restart."""
    with new_broker() as running:
        yield running


@pytest.fixture
def unique() -> str:
    """A short id unique to this test: prefix topics, groups and streams with it."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def settings(tmp_path: Path, broker: EmbeddedBroker, store_url: str | None) -> SuiteSettings:
    """SuiteSettings pointing at the session broker, with short consumer timeouts for tests,
    and the stores on the run's `--store` backend."""
    return SuiteSettings(
        data_dir=tmp_path / "var",
        store_url=store_url,
        bootstrap_servers=broker.bootstrap_servers,
        broker=broker_kind(),
        partitions=TEST_PARTITIONS,
        consumer_session_timeout_ms=2000,
        fetch_max_wait_ms=20,
    )
