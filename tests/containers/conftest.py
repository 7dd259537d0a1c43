"""The container layer needs a Docker engine and the images. No engine: every test here is
skipped with one line saying why, except in CI (`CI=true`), where that is a failure. The
images are built (or found up to date) once per session by `deploy/images/build.sh`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from suite import Suite

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.containers)


def engine_problem() -> str | None:
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:
        return f"no Docker engine reachable ({type(exc).__name__}); `make engine` starts one"
    return None


@pytest.fixture(scope="session")
def images() -> None:
    problem = engine_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the container tests: {problem}", pytrace=False)
        pytest.skip(problem)
    built = subprocess.run(
        ["bash", str(ROOT / "deploy/images/build.sh")],
        cwd=ROOT,
        env={**os.environ, "PY": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(built.stdout)
    if built.returncode != 0:
        pytest.fail(f"make images failed:\n{built.stdout}\n{built.stderr}", pytrace=False)


@pytest.fixture(scope="module")
def suite(images: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """Broker and three services in containers, data under a fresh host folder."""
    running = Suite(tmp_path_factory.mktemp("suite"), secret=f"test-{uuid.uuid4().hex}")
    try:
        yield running.start()
    finally:
        running.stop()
