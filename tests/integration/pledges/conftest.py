"""One archives and one pledges service per test module, on the session broker, in the
module's event loop (starting them per test would cost seconds each); each test acts in the
module's school with pledges of its own. Nothing outlives its module: another archives or
pledges on the same broker would share the consumer group and split its partitions. Tests
that stop archives or need other limits start services of their own, on a broker of their
own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pledges_kit import Running, School, fresh, start_archives, start_pledges

from contracts.endpoints import SuiteSettings
from kernel.broker import EmbeddedBroker

TEST_PARTITIONS = 3


@pytest.fixture(scope="module")
def suite_settings(
    tmp_path_factory: pytest.TempPathFactory, broker: EmbeddedBroker
) -> SuiteSettings:
    return SuiteSettings(
        data_dir=tmp_path_factory.mktemp("pledges-suite"),
        bootstrap_servers=broker.bootstrap_servers,
        partitions=TEST_PARTITIONS,
        consumer_session_timeout_ms=2000,
        fetch_max_wait_ms=20,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def suite_archives(suite_settings: SuiteSettings) -> AsyncIterator[Running]:
    running = await start_archives(suite_settings)
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def suite_pledges(
    suite_settings: SuiteSettings, suite_archives: Running
) -> AsyncIterator[Running]:
    running = await start_pledges(suite_settings, suite_archives.port)
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def school(
    suite_settings: SuiteSettings, suite_archives: Running, suite_pledges: Running
) -> School:
    """The module's school, founded once through archives: two branches, five members."""
    return await School(fresh("school"), suite_settings, suite_archives, suite_pledges).found()
