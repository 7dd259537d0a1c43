"""A broker for the scoring tests' module, and a running scoring worker on it."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from broker_matrix import new_broker
from scoring_kit import START, Evaluations, Log, ScoringProcess, prepare_topics
from unit.scoring.story import Story

from kernel.broker import EmbeddedBroker


@pytest.fixture(scope="module")
def scoring_broker() -> Iterator[EmbeddedBroker]:
    """Scoring counts every archives position it sees: it gets a broker of its own."""
    with new_broker() as running:
        prepare_topics(running.bootstrap_servers)
        yield running


@pytest.fixture(scope="module")
def worker(
    scoring_broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScoringProcess]:
    log = tmp_path_factory.mktemp("scoring") / "worker.log"
    process = ScoringProcess(
        scoring_broker.bootstrap_servers, f"scoring-{uuid.uuid4().hex[:6]}", log
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def log(scoring_broker: EmbeddedBroker) -> Iterator[Log]:
    producer = Log(scoring_broker.bootstrap_servers)
    yield producer
    producer.close()


@pytest.fixture
def evaluations(scoring_broker: EmbeddedBroker) -> Iterator[Evaluations]:
    reader = Evaluations(scoring_broker.bootstrap_servers)
    yield reader
    reader.close()


@pytest.fixture
def school() -> str:
    return f"school-{uuid.uuid4().hex[:8]}"


__all__ = ["Path"]


@pytest.fixture(scope="module")
def positions() -> itertools.count[int]:
    """The archives store of this module's broker: positions gapless across its tests."""
    return itertools.count(1)


@pytest.fixture(scope="module")
def hours() -> itertools.count[int]:
    return itertools.count()


@pytest.fixture
def story(school: str, positions: itertools.count[int], hours: itertools.count[int]) -> Story:
    """Each test's story is recorded an hour after the previous one's, as stores record in
    time order: a replay merges the two input topics by recorded time."""
    return Story(school=school, position=positions, clock=START + timedelta(hours=next(hours)))
