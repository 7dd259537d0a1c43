"""The fuzz suite's services: one broker, archives, pledges and scoring for the module, a
school seeded once, and the hypothesis profile `make test` or `make fuzz` asked for."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
import pytest_asyncio
from broker_matrix import new_broker
from integration.pledges.pledges_kit import School, fresh, start_archives, start_pledges
from integration.scoring.scoring_kit import ScoringProcess, prepare_topics

from contracts.endpoints import SuiteSettings
from fuzz import profiles
from fuzz.suite import Suite
from kernel.broker import EmbeddedBroker
from pledges.config import PledgesConfig

profiles.load()

# GiveFeedback's limiter allows 5 per client and minute: the fuzz would meet it at once and
# never reach feedback's validation. The limiter stays in the path, with room to fuzz.
FUZZ_PLEDGES = PledgesConfig(sweep_interval_s=3600, feedback_burst=100_000)


@pytest.fixture(scope="module")
def fuzz_broker() -> Iterator[EmbeddedBroker]:
    with new_broker() as running:
        prepare_topics(running.bootstrap_servers)
        yield running


@pytest.fixture(scope="module")
def fuzz_scoring(
    fuzz_broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScoringProcess]:
    log = tmp_path_factory.mktemp("fuzz-scoring") / "scoring.log"
    process = ScoringProcess(
        fuzz_broker.bootstrap_servers, f"scoring-fuzz-{uuid.uuid4().hex[:6]}", log
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def suite(
    fuzz_broker: EmbeddedBroker,
    fuzz_scoring: ScoringProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Suite]:
    settings = SuiteSettings(
        data_dir=tmp_path_factory.mktemp("fuzz"),
        bootstrap_servers=fuzz_broker.bootstrap_servers,
        partitions=3,
        consumer_session_timeout_ms=2000,
        fetch_max_wait_ms=20,
        scoring_port=fuzz_scoring.port,
        log_level="WARNING",
    )
    archives = await start_archives(settings)
    try:
        pledges = await start_pledges(settings, archives.port, FUZZ_PLEDGES)
    except BaseException:
        await archives.stop()
        raise
    scoring_channel = grpc.aio.insecure_channel(fuzz_scoring.address)
    running = Suite(
        School(fresh("school"), settings, archives, pledges), fuzz_scoring, scoring_channel
    )
    try:
        await running.school.found()
        await running.seed()
        yield running
    finally:
        try:
            await scoring_channel.close(grace=None)
            await pledges.stop()
        finally:
            await archives.stop()
