"""Shared fixtures: a real Tansu broker over TCP, real SQLite files, unique ids per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.endpoints import SuiteSettings
from kernel.broker import EmbeddedBroker

TEST_PARTITIONS = 3

pytest_plugins = ["store_backends"]  # --store, the PostgreSQL server and databases


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """One broker for the session. Tests that restart or kill it use `own_broker`."""
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture
def own_broker() -> Iterator[EmbeddedBroker]:
    """A broker this test alone uses, free to kill and restart."""
    with EmbeddedBroker() as running:
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
        partitions=TEST_PARTITIONS,
        consumer_session_timeout_ms=2000,
        fetch_max_wait_ms=20,
    )
