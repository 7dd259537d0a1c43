"""A real archives service per test: its own data directory and school, the session broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from archives_kit import ArchivesService

from kernel.settings import Settings


@pytest.fixture
async def archives(settings: Settings, unique: str) -> AsyncIterator[ArchivesService]:
    """The archives service on a free port of 127.0.0.1, ready (broker reachable, projection
    consuming), acting for a school no other test uses: the broker and its topics are shared
    by every test of the session."""
    service = await ArchivesService.start(
        settings.model_copy(update={"archives_port": 0}), school=f"school-{unique}"
    )
    try:
        yield service
    finally:
        await service.stop()
