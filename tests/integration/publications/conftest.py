"""The suite as processes (tests/containers/processes.py), driven through its public gRPC
APIs: the school and the process suite are the container suite's own, imported from there."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from broker_matrix import broker_kind

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers"))

from processes import Processes
from school import Stubs
from suite import SERVICES


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    running = Processes(
        tmp_path_factory.mktemp("suite"),
        secret=f"test-{uuid.uuid4().hex}",
        broker_kind=broker_kind(),
    )
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture(scope="module")
def stubs(processes: Processes) -> Iterator[Stubs]:
    connected = Stubs.connect({name: processes.address(name) for name in SERVICES})
    yield connected
    connected.close()
