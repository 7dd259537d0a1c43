"""At most one relay publishes a store (kernel.store.lease): while one process holds the
store's lease no other can take it, and when the holder dies, however it dies, another takes
it at its next try."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kernel.store.lease import RelayLease
from kernel.store.postgres import PostgresEventStore
from kernel.store.sqlite import SqliteEventStore

SERVICES = str(Path(__file__).resolve().parents[3] / "services")
HOLDER = """
import sys, time
sys.path.insert(0, {services!r})
from kernel.store.postgres import PostgresEventStore
from kernel.store.sqlite import SqliteEventStore
from pathlib import Path
store = {opener}
lease = store.relay_lease("archives")
print(lease.hold()[0], flush=True)
time.sleep(600)
"""

OpenLease = Callable[[], RelayLease]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[OpenLease, str]:
    """Opens a lease on one store's relay, and the Python that opens it in another process."""
    if request.param == "sqlite":
        path = tmp_path / "events.db"
        return lease_of(lambda: SqliteEventStore(path)), f"SqliteEventStore(Path({str(path)!r}))"
    url = str(request.getfixturevalue("postgres_database"))
    opener = f"PostgresEventStore({url!r}, schema='archives')"
    return lease_of(lambda: PostgresEventStore(url, schema="archives")), opener


def lease_of(open_store: Callable[[], SqliteEventStore | PostgresEventStore]) -> OpenLease:
    def open_lease() -> RelayLease:
        store = open_store()
        try:
            return store.relay_lease("archives")  # lives on without the store
        finally:
            store.close()

    return open_lease


def test_one_holder_at_a_time(backend: tuple[OpenLease, str]) -> None:
    open_lease, _ = backend
    first, second = open_lease(), open_lease()
    assert first.hold() == (True, True)
    assert first.hold() == (True, False)
    assert second.hold() == (False, False)
    first.release()
    assert second.hold() == (True, True)
    assert first.hold() == (False, False)
    second.release()


def test_a_killed_holder_leaves_the_lease_to_another(backend: tuple[OpenLease, str]) -> None:
    open_lease, opener = backend
    script = HOLDER.format(services=SERVICES, opener=opener)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
        standby = open_lease()
        assert standby.hold() == (False, False)
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while standby.hold() == (False, False):
            assert time.monotonic() < deadline, "the dead holder's lease was never freed"
            time.sleep(0.05)
        assert standby.hold()[0]
        standby.release()
    finally:
        holder.kill()
        holder.wait(10)
