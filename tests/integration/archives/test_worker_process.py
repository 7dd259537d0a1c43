"""The relay and the projection run in a worker process beside the gRPC server: a command is
still visible in the read model when it answers, a killed worker process is replaced without
losing or doubling anything, and the worker process never outlives its server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from archives_kit import ArchivesService

from kernel.settings import Settings
from vanguard.common.v1 import status_pb2

RESTART_S = 30.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


async def test_a_killed_worker_process_is_replaced_and_nothing_is_lost_or_doubled(
    archives: ArchivesService,
) -> None:
    await archives.found_school([("b-1", "第一支部")])
    await archives.register("m-1", "李老师", "b-1")
    assert archives.runtime is not None and archives.runtime.workers is not None
    worker = archives.runtime.workers.pid
    assert worker is not None and worker != os.getpid() and alive(worker)

    os.kill(worker, signal.SIGKILL)
    # Commands go on while no relay runs: they are stored, then published by the next one.
    replies = [await archives.record("m-1", record_id=f"r-{n}") for n in range(3)]
    assert all(reply.visible for reply in replies)  # waited until the new worker applied them

    replacement = archives.runtime.workers.pid
    assert replacement is not None and alive(replacement) and replacement != worker

    archive = await archives.archive("m-1")
    assert sorted(r.record_id for r in archive.records) == ["r-0", "r-1", "r-2"]
    status = await archives.runtime.status()
    assert status.head_position == await archives.head()
    assert status.projections[0].dead_lettered == 0


def test_the_worker_process_stops_when_its_server_is_killed(
    settings: Settings, tmp_path: Path
) -> None:
    """SIGKILL the service process: its worker process sees the pipe close and exits."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from archives import bootstrap
        from contracts.endpoints import SuiteSettings

        async def main():
            settings = SuiteSettings(
                data_dir={str(tmp_path)!r},
                bootstrap_servers={settings.kafka_servers!r},
                archives_port=0,
            )
            runtime = bootstrap.build(settings)
            await runtime.start(bootstrap.registrations)
            await asyncio.wait_for(runtime.ready(), 60)
            print(runtime.workers.pid, flush=True)
            await asyncio.Event().wait()

        asyncio.run(main())
        """
    )
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        worker_pid = int(server.stdout.readline())
        assert alive(worker_pid)
        server.kill()
        server.wait(10)
        deadline = time.monotonic() + 15
        while alive(worker_pid):
            assert time.monotonic() < deadline, f"worker process {worker_pid} outlived its server"
            time.sleep(0.1)
    finally:
        if server.poll() is None:
            server.kill()


async def test_status_reports_the_worker_counters(archives: ArchivesService) -> None:
    await archives.found_school([("b-1", "第一支部")])
    await archives.register("m-1", "王老师", "b-1")
    assert archives.runtime is not None
    head = await archives.head()
    deadline = time.monotonic() + RESTART_S
    while True:
        status = await archives.runtime.status()
        if status.published_position == head:
            break
        assert time.monotonic() < deadline, f"published {status.published_position} of {head}"
        await asyncio.sleep(0.1)
    assert [p.name for p in status.projections] == ["archive"]
    assert status.projections[0].applied_events >= 3

    # Once caught up, it holds every partition of its three topics and has read each to its end.
    def caught_up(projection: status_pb2.ProjectionStatus) -> bool:
        return projection.healthy and all(
            0 <= p.position == p.highwater for p in projection.partitions
        )

    while not caught_up(status.projections[0]):
        assert time.monotonic() < deadline, f"not caught up: {status.projections[0]}"
        await asyncio.sleep(0.2)
        status = await archives.runtime.status()
    held = {(p.topic, p.partition) for p in status.projections[0].partitions}
    assert len({topic for topic, _ in held}) == 3  # archives, pledges, evaluations
    assert sum(p.highwater for p in status.projections[0].partitions) >= 3
