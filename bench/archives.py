"""Archives figures: the whole service (store, relay, projection, gRPC with auth) on 127.0.0.1.

- RecordPerformance commands/s through gRPC, 50 in flight, against grpc.aio round trips;
- GetArchive latency at the 99th percentile for a member with 500 events, against a 10 ms
  budget (the harness compares rates, so the budget is expressed as one: 1 / 10 ms);
- read-model rebuild events/s (the projection fed from the topic into a new file) against
  kafka-python's raw consume.

The service runs in a child process, as it would in production and as the grpc.aio ceiling's
echo server does; the rebuild runs in this process on the topic the service published.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

import grpc

from archives import bootstrap
from archives.readmodel.projection import ArchiveProjection
from bench.harness import Measurement, Ratio, Rig, Timing
from contracts.archives import registry
from contracts.endpoints import SuiteSettings
from contracts.topics import ARCHIVES
from kernel.consumer import ConsumerRunner
from kernel.envelope import Role
from kernel.grpc.client import bearer
from kernel.settings import Settings
from kernel.store.sqlite import SqliteEventStore
from kernel.tokens import issue_token
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import command_pb2, status_pb2

BRANCH = "b-bench"
MEMBERS = 100  # RecordPerformance spreads over them, round-robin
COMMANDS = 5_000
WARMUP_COMMANDS = 200
CONCURRENCY = 50
ARCHIVE_EVENTS = 500  # the member GetArchive reads
READS = 1_000
WARMUP_READS = 50
REBUILD_MEMBERS = 60  # enough keys to put events on every partition
REBUILD_EVENTS = 6_000
CALL_TIMEOUT_S = 30.0
STARTUP_S = 60.0
SETTLE_S = 120.0  # longest the read model or the relay may take to catch up
SETTLED_S = 1.0
REBUILD_JOIN_S = 60.0
LATENCY_BUDGET_S = 0.010
RECORD_TARGET = 0.30
REBUILD_TARGET = 0.30


# -- the service, in a child process ---------------------------------------------------------


def _settings(data_dir: Path, servers: str) -> SuiteSettings:
    return SuiteSettings(data_dir=data_dir, bootstrap_servers=servers, archives_port=0)


async def _serve(data_dir: Path, servers: str, port_to: Connection) -> None:
    runtime = bootstrap.build(_settings(data_dir, servers))
    port = await runtime.start(bootstrap.registrations)
    await asyncio.wait_for(runtime.ready(), STARTUP_S)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    port_to.send(port)
    await stop.wait()
    await runtime.stop()


def serve(data_dir: Path, servers: str, port_to: Connection) -> None:
    """The child process: the archives service until SIGTERM."""
    asyncio.run(_serve(data_dir, servers, port_to))


@contextmanager
def archives_service(rig: Rig) -> Iterator[tuple[int, Path]]:
    """The port and data directory of an archives service of its own, stopped on exit."""
    data_dir = rig.workdir / f"archives-{uuid.uuid4().hex[:8]}"
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    process = spawn.Process(
        target=serve,
        args=(data_dir, rig.broker().bootstrap_servers, send),
        name="bench-archives",
        daemon=False,  # the service starts its worker process; stopped in `finally`
    )
    process.start()
    try:
        if not receive.poll(STARTUP_S):
            raise TimeoutError(f"the archives service did not start within {STARTUP_S}s")
        yield int(receive.recv()), data_dir
    finally:
        process.terminate()
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join()


class Client:
    """The committee of a school of its own, calling one archives service. Every figure has
    its own school: the services of a run share the broker, and every projection reads the
    whole topic."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stub = archives_pb2_grpc.ArchiveServiceStub(channel)
        self.school = f"school-bench-{uuid.uuid4().hex[:8]}"
        token = issue_token(
            Settings().token_secret.get_secret_value(),
            subject="committee-bench",
            role=Role.COMMITTEE,
            school=self.school,
            ttl_s=3600,
        )
        self.metadata = bearer(token)

    async def found_school(self, members: int) -> list[str]:
        """The school, one branch and `members` members; returns their ids."""
        stub, metadata = self.stub, self.metadata
        await stub.RegisterSchool(
            pb.RegisterSchoolRequest(school_id=self.school, name="长沙市第一中学"),
            metadata=metadata,
        )
        await stub.EstablishBranch(
            pb.EstablishBranchRequest(school_id=self.school, branch_id=BRANCH, name="语文支部"),
            metadata=metadata,
        )
        ids = [f"m-{n}" for n in range(members)]
        for member_id in ids:
            await stub.RegisterMember(
                pb.RegisterMemberRequest(
                    school_id=self.school,
                    member_id=member_id,
                    name="王小明",
                    branch_id=BRANCH,
                    roles=["teacher"],
                    joined_party_on="2008-07-01",
                ),
                metadata=metadata,
            )
        return ids

    async def record(self, member_id: str) -> str:
        reply: command_pb2.CommandReply = await self.stub.RecordPerformance(
            pb.RecordPerformanceRequest(
                school_id=self.school,
                member_id=member_id,
                category="duty_performance",
                channel="branch_investigation",
                occurred_on=date.today().isoformat(),
                description="公开课《荷塘月色》获校级一等奖,带领教研组完成校本课程开发",
                evidence=["doc-2026-117"],
                claimed_points=5,
            ),
            metadata=self.metadata,
            timeout=CALL_TIMEOUT_S,
        )
        return reply.id

    async def verify(self, record_id: str) -> None:
        await self.stub.VerifyRecord(
            pb.VerifyRecordRequest(
                school_id=self.school, record_id=record_id, awarded_points=4, note="经支部核实"
            ),
            metadata=self.metadata,
            timeout=CALL_TIMEOUT_S,
        )

    async def archive(self, member_id: str) -> pb.Archive:
        reply: pb.Archive = await self.stub.GetArchive(
            pb.GetArchiveRequest(school_id=self.school, member_id=member_id),
            metadata=self.metadata,
            timeout=CALL_TIMEOUT_S,
        )
        return reply

    async def status(self) -> status_pb2.ServiceStatus:
        reply: status_pb2.ServiceStatus = await self.stub.GetStatus(
            status_pb2.GetStatusRequest(), metadata=self.metadata, timeout=CALL_TIMEOUT_S
        )
        return reply


async def in_flight(count: int, call: Callable[[int], Awaitable[object]]) -> None:
    """`call(0)` … `call(count - 1)`, CONCURRENCY at a time."""
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            await call(n)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def until(what: str, check: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + SETTLE_S
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {SETTLE_S}s")
        await asyncio.sleep(0.02)


async def until_settled(*statuses: Callable[[], Awaitable[status_pb2.ServiceStatus]]) -> None:
    """Until every service's projections have applied everything on their topics and its
    relay has published its whole store: a new service replays what earlier figures
    published, and setting up a figure leaves work behind it (its commands still to relay and
    apply); either running beside a timed loop would be measured with it. Settled: the
    applied counts hold still for SETTLED_S with nothing left to publish."""
    deadline = time.monotonic() + SETTLE_S
    last, since = -1, time.monotonic()
    while time.monotonic() - since < SETTLED_S:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the projections did not settle within {SETTLE_S}s")
        replies = [await status() for status in statuses]
        applied = sum(p.applied_events for reply in replies for p in reply.projections)
        unpublished = any(r.published_position < r.head_position for r in replies)
        if applied != last or unpublished:
            last, since = applied, time.monotonic()
        await asyncio.sleep(0.1)


# -- RecordPerformance through gRPC ----------------------------------------------------------


async def _commands(port: int, count: int) -> Timing:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        client = Client(channel)
        members = await client.found_school(MEMBERS)
        await in_flight(WARMUP_COMMANDS, lambda n: client.record(members[n % MEMBERS]))
        started = time.perf_counter()
        await in_flight(count, lambda n: client.record(members[n % MEMBERS]))
        return Timing(count, time.perf_counter() - started)


def record_commands(rig: Rig) -> Timing:
    with archives_service(rig) as (port, _):
        return asyncio.run(_commands(port, rig.count(COMMANDS)))


# -- GetArchive of a member with 500 events --------------------------------------------------


async def _archive_latency(port: int, reads: int) -> Timing:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        client = Client(channel)
        (member,) = await client.found_school(1)
        records = ARCHIVE_EVENTS // 2  # the registration, records and verifications
        record_ids: list[str] = [""] * records
        await in_flight(records, lambda n: _record_into(client, member, record_ids, n))
        await in_flight(ARCHIVE_EVENTS - 1 - records, lambda n: client.verify(record_ids[n]))

        async def complete() -> bool:
            try:
                return (await client.archive(member)).events == ARCHIVE_EVENTS
            except grpc.aio.AioRpcError as error:  # the read model has not seen them yet
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                return False

        await until(f"an archive of {ARCHIVE_EVENTS} events", complete)
        await until_settled(client.status)
        for _ in range(WARMUP_READS):
            await client.archive(member)
        latencies = []
        for _ in range(reads):
            started = time.perf_counter()
            await client.archive(member)
            latencies.append(time.perf_counter() - started)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Timing(1, p99)  # one call per p99 latency: the rate is 1 / p99


async def _record_into(client: Client, member: str, ids: list[str], n: int) -> None:
    ids[n] = await client.record(member)


def archive_p99(rig: Rig) -> Timing:
    with archives_service(rig) as (port, _):
        return asyncio.run(_archive_latency(port, rig.count(READS)))


def latency_budget(rig: Rig) -> Timing:
    """Not a measurement: the 10 ms GetArchive budget as a rate, for the p99 to be compared
    with."""
    return Timing(1, LATENCY_BUDGET_S)


# -- rebuilding the read model from the topic ------------------------------------------------


async def _fill(port: int, events: int) -> None:
    """Records and verifications for REBUILD_MEMBERS members, until the store holds `events`
    and the relay has published every one."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        client = Client(channel)
        members = await client.found_school(REBUILD_MEMBERS)
        remaining = events - (await client.status()).head_position
        pairs = max(1, remaining // 2)

        async def pair(n: int) -> None:
            await client.verify(await client.record(members[n % REBUILD_MEMBERS]))

        await in_flight(pairs, pair)

        async def published() -> bool:
            status = await client.status()
            return status.published_position == status.head_position

        await until("the relay publishing the whole store", published)


def stream_heads(data_dir: Path) -> dict[str, int]:
    store = SqliteEventStore(data_dir / "archives" / "events.db")
    try:
        heads: dict[str, int] = {}
        position = 0
        while batch := store.read_all(after_position=position, limit=10_000):
            for envelope in batch:
                heads[envelope.stream_id] = envelope.stream_version
            position = batch[-1].position or position
        return heads
    finally:
        store.close()


def rebuild(rig: Rig) -> Timing:
    """A new projection file fed from the whole topic (this run's earlier archives figures
    published to it too: every event on it counts). The clock starts when the first batch
    has been applied (a group join is setup, not throughput, as for the raw consume) and
    stops when every stream of this figure's store is in the new file: by then every earlier
    event of each partition has been applied as well."""
    with archives_service(rig) as (port, data_dir):
        asyncio.run(_fill(port, rig.count(REBUILD_EVENTS)))
    heads = stream_heads(data_dir)
    runner = ConsumerRunner(
        rig.broker().bootstrap_servers,
        (ARCHIVES,),
        f"bench.archives.rebuild-{uuid.uuid4().hex[:8]}",
        ArchiveProjection(),
        rig.new_file("archive-rebuild"),
        registry,
        session_timeout_ms=2000,
    )
    runner.start()
    try:
        deadline = time.monotonic() + REBUILD_JOIN_S
        while runner.applied == 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the rebuild applied nothing within {REBUILD_JOIN_S}s")
            time.sleep(0.001)
        started, first = time.perf_counter(), runner.applied
        for stream_id, version in heads.items():
            if not runner.wait_for(stream_id, version, SETTLE_S):
                raise TimeoutError(f"{stream_id} v{version} not rebuilt within {SETTLE_S}s")
        seconds = time.perf_counter() - started
        return Timing(runner.applied - first, seconds)
    finally:
        runner.close()


MEASUREMENTS = [
    Measurement(
        "archives.record",
        "Archives: RecordPerformance via gRPC (50 in flight)",
        "command",
        record_commands,
        ratios=(Ratio("grpc.unary", RECORD_TARGET, "vs bare round trips"),),
    ),
    Measurement(
        "archives.budget.get_archive",
        "Budget: GetArchive p99 of 10 ms, as a rate (not measured)",
        "call",
        latency_budget,
    ),
    Measurement(
        "archives.get_archive.p99",
        "Archives: GetArchive p99, 500-event member (rate = 1/p99)",
        "call",
        archive_p99,
        ratios=(Ratio("archives.budget.get_archive", 1.0, "p99 within budget"),),
    ),
    Measurement(
        "archives.rebuild",
        "Archives: read-model rebuild from the topic",
        "event",
        rebuild,
        ratios=(
            Ratio("kafka.consume.envelopes", REBUILD_TARGET, "vs raw consume of envelopes"),
            Ratio("kafka.consume", None, "vs raw consume of plain 300-byte values"),
        ),
    ),
]
