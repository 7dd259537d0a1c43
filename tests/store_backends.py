"""The store backends the tests run on (a pytest plugin, loaded by tests/conftest.py).

`--store sqlite|postgres` (once per run, default sqlite) picks where the services' event
stores, read models and consumer positions live in the integration tests. PostgreSQL is a
real server: deploy/postgres.sh starts a throwaway cluster under var/postgres-tests-<broker>
once per session (or uses VANGUARD_TEST_POSTGRES_URL), and each test gets a database of its
own."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from broker_matrix import broker_kind
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=BACKENDS,
        default="sqlite",
        help="where the services keep their stores and read models in this run",
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the session: started by deploy/postgres.sh (stopped after the
    session if it started one), or the one VANGUARD_TEST_POSTGRES_URL names."""
    # One cluster per broker pass: make test runs the two passes side by side (tests/passes.sh).
    directory = ROOT / "var" / f"postgres-tests-{broker_kind()}"
    env = {**os.environ, "VANGUARD_POSTGRES_DIR": str(directory)}
    script = str(ROOT / "deploy" / "postgres.sh")
    started = subprocess.run(
        [script], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if started.returncode != 0:
        raise RuntimeError(f"deploy/postgres.sh failed: {started.stderr.strip()}")
    yield started.stdout.strip().splitlines()[-1]
    if not os.environ.get("VANGUARD_TEST_POSTGRES_URL"):
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120, check=False)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a database this test alone uses, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield with_database(postgres_url, name)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def store_url(request: pytest.FixtureRequest) -> str | None:
    """VANGUARD_STORE_URL for this test's services: None (SQLite under the data directory)
    or a PostgreSQL database of its own, as `--store` says."""
    if request.config.getoption("--store") == "postgres":
        return str(request.getfixturevalue("postgres_database"))
    return None
