"""Pledges figures: the whole service (store, relay, projection, gRPC with auth) on 127.0.0.1,
with archives running for real beside it, each in a child process as in production.

- lifecycle commands/s through gRPC, 50 in flight: approve, publish, report, verify, report,
  verify, close — commands that make no inter-service call — against grpc.aio round trips
  (target 30%); every command carries an idempotency key, as clients send them;
- MakePledge through gRPC, 50 in flight, each asking archives for the member: its rate next
  to the same ceiling, and its p50 and p99 latency under that load (rate = 1/latency).

Each timed loop starts once both services have relayed and applied all that setting it up
wrote (the pledges made for the lifecycle figure, the school founded at archives).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import grpc

from bench.archives import STARTUP_S, Client, archives_service, in_flight, until, until_settled
from bench.harness import Measurement, Ratio, Rig, Timing
from contracts.endpoints import SuiteSettings
from contracts.periods import periods_of
from kernel.envelope import Role
from kernel.grpc.client import bearer
from kernel.settings import Settings
from kernel.tokens import issue_token
from pledges import bootstrap
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.common.v1 import command_pb2, status_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard.pledges.v1 import pledges_pb2_grpc

MEMBERS = 50
PLEDGES = 1_500  # lifecycle figure: 7 timed commands each, ~10 s: the rate swings second by second
MAKES = 2_000
WARMUP = 100
CALL_TIMEOUT_S = 30.0
LIFECYCLE_TARGET = 0.30
BRANCH = "b-bench"  # the branch bench.archives founds


# -- pledges, in a child process -------------------------------------------------------------


async def _serve(data_dir: Path, servers: str, archives_port: int, port_to: Connection) -> None:
    settings = SuiteSettings(
        data_dir=data_dir, bootstrap_servers=servers, pledges_port=0, archives_port=archives_port
    )
    runtime = bootstrap.build(settings)
    port = await runtime.start(bootstrap.registrations)
    await asyncio.wait_for(runtime.ready(), STARTUP_S)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    port_to.send(port)
    await stop.wait()
    await runtime.stop()


def serve(data_dir: Path, servers: str, archives_port: int, port_to: Connection) -> None:
    """The child process: the pledges service until SIGTERM."""
    asyncio.run(_serve(data_dir, servers, archives_port, port_to))


@contextmanager
def services(rig: Rig) -> Iterator[tuple[int, int]]:
    """Ports of archives and pledges services of their own, stopped on exit."""
    with archives_service(rig) as (archives_port, _):
        spawn = multiprocessing.get_context("spawn")
        receive, send = spawn.Pipe(duplex=False)
        data_dir = rig.workdir / f"pledges-{uuid.uuid4().hex[:8]}"
        servers = rig.broker().bootstrap_servers
        process = spawn.Process(
            target=serve,
            args=(data_dir, servers, archives_port, send),
            name="bench-pledges",
            daemon=False,  # the service starts its worker process; stopped in `finally`
        )
        process.start()
        try:
            if not receive.poll(STARTUP_S):
                raise TimeoutError(f"the pledges service did not start within {STARTUP_S}s")
            yield archives_port, int(receive.recv())
        finally:
            process.terminate()
            process.join(15)
            if process.is_alive():
                process.kill()
                process.join()


# -- callers ---------------------------------------------------------------------------------


def _token(
    school: str, role: Role, subject: str, branch: str | None = None
) -> tuple[tuple[str, str], ...]:
    secret = Settings().token_secret.get_secret_value()
    return bearer(
        issue_token(secret, subject=subject, role=role, school=school, branch=branch, ttl_s=3600)
    )


@dataclass
class Pledger:
    """A school founded through archives, and calls to pledges as its members and secretary."""

    stub: pledges_pb2_grpc.PledgeServiceStub
    archives: Client  # the school's committee at archives
    members: list[str]

    def __post_init__(self) -> None:
        self.school = self.archives.school
        self.secretary = _token(self.school, Role.SECRETARY, "sec-bench", BRANCH)
        self.member_tokens = {m: _token(self.school, Role.MEMBER, m) for m in self.members}
        today = date.today()
        period = periods_of(today)[2]
        self.period = period.id
        self.due = min(today + timedelta(days=30), period.end - timedelta(days=1)).isoformat()

    async def settled(self) -> None:
        """Until both services have relayed and applied everything so far (see
        `until_settled`): what setting up left behind is not measured with the timed loop."""

        async def pledges_status() -> status_pb2.ServiceStatus:
            reply: status_pb2.ServiceStatus = await self.stub.GetStatus(
                status_pb2.GetStatusRequest(),
                metadata=self.archives.metadata,
                timeout=CALL_TIMEOUT_S,
            )
            return reply

        await until_settled(self.archives.status, pledges_status)

    async def make(self, n: int) -> str:
        member = self.members[n % len(self.members)]
        reply: command_pb2.CommandReply = await self.stub.MakePledge(
            pb.MakePledgeRequest(
                school_id=self.school,
                member_id=member,
                period=self.period,
                lead="work",
                title="每周上一节公开课",
                description="带头做事:把每一节课上好,帮扶两名学生",
                targets=[pb.TargetSpec(description="公开课 4 节", due_on=self.due)],
                options=_key(),
            ),
            metadata=self.member_tokens[member],
            timeout=CALL_TIMEOUT_S,
        )
        return reply.id

    async def lifecycle(self, pledge_id: str, member: str) -> None:
        """Seven commands, none of which asks another service."""
        s, me, secretary = self.school, self.member_tokens[member], self.secretary
        calls = (
            (
                self.stub.ApprovePledge,
                pb.ApprovePledgeRequest(school_id=s, pledge_id=pledge_id),
                secretary,
            ),
            (
                self.stub.PublishPledge,
                pb.PublishPledgeRequest(school_id=s, pledge_id=pledge_id),
                secretary,
            ),
            (self.stub.ReportFulfilment, _report(s, pledge_id, 60), me),
            (self.stub.VerifyFulfilment, _verify(s, pledge_id, "r1"), secretary),
            (self.stub.ReportFulfilment, _report(s, pledge_id, 100), me),
            (self.stub.VerifyFulfilment, _verify(s, pledge_id, "r2"), secretary),
            (
                self.stub.ClosePledge,
                pb.ClosePledgeRequest(school_id=s, pledge_id=pledge_id, outcome="fulfilled"),
                secretary,
            ),
        )
        for method, request, metadata in calls:
            request.options.CopyFrom(_key())
            await method(request, metadata=metadata, timeout=CALL_TIMEOUT_S)


def _key() -> command_pb2.CommandOptions:
    return command_pb2.CommandOptions(idempotency_key=uuid.uuid4().hex)


def _report(school: str, pledge_id: str, percent: int) -> pb.ReportFulfilmentRequest:
    return pb.ReportFulfilmentRequest(
        school_id=school,
        pledge_id=pledge_id,
        progress=[pb.TargetProgress(target=1, percent=percent)],
        narrative="本周上了一节公开课,教案已上传",
        evidence=["doc-2026-117"],
    )


def _verify(school: str, pledge_id: str, report_id: str) -> pb.VerifyFulfilmentRequest:
    return pb.VerifyFulfilmentRequest(
        school_id=school, pledge_id=pledge_id, report_id=report_id, verdict="accepted"
    )


async def _pledger(archives: grpc.aio.Channel, pledges: grpc.aio.Channel) -> Pledger:
    """A school of its own, once archives can answer for every member of it (pledges asks
    archives' read model)."""
    client = Client(archives)
    members = await client.found_school(MEMBERS)

    async def on_roll() -> bool:
        try:
            for member in members:  # on several partitions: each is applied on its own
                await client.stub.GetMember(
                    apb.GetMemberRequest(school_id=client.school, member_id=member),
                    metadata=client.metadata,
                    timeout=CALL_TIMEOUT_S,
                )
            return True
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return False

    await until("the members on the archives roll", on_roll)
    return Pledger(pledges_pb2_grpc.PledgeServiceStub(pledges), client, members)


# -- the figures -----------------------------------------------------------------------------


async def _lifecycle(archives_port: int, port: int, pledges: int) -> Timing:
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{archives_port}") as archives,
        grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel,
    ):
        pledger = await _pledger(archives, channel)
        ids: list[str] = [""] * (pledges + WARMUP // 7)
        await in_flight(len(ids), lambda n: _make_into(pledger, ids, n))
        member_of = {pid: pledger.members[n % MEMBERS] for n, pid in enumerate(ids)}
        warmup, timed_ids = ids[: WARMUP // 7], ids[WARMUP // 7 :]
        await in_flight(len(warmup), lambda n: pledger.lifecycle(warmup[n], member_of[warmup[n]]))
        await pledger.settled()
        started = time.perf_counter()
        await in_flight(
            len(timed_ids), lambda n: pledger.lifecycle(timed_ids[n], member_of[timed_ids[n]])
        )
        return Timing(len(timed_ids) * 7, time.perf_counter() - started)


async def _make_into(pledger: Pledger, ids: list[str], n: int) -> None:
    ids[n] = await pledger.make(n)


def lifecycle_commands(rig: Rig) -> Timing:
    with services(rig) as (archives_port, port):
        return asyncio.run(_lifecycle(archives_port, port, max(15, rig.count(PLEDGES * 7) // 7)))


@dataclass(frozen=True)
class MakeRun:
    timing: Timing
    latencies: tuple[float, ...]  # sorted, seconds

    def percentile(self, share: float) -> float:
        return self.latencies[min(len(self.latencies) - 1, int(len(self.latencies) * share))]


async def _makes(archives_port: int, port: int, count: int) -> MakeRun:
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{archives_port}") as archives,
        grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel,
    ):
        pledger = await _pledger(archives, channel)
        await in_flight(WARMUP, pledger.make)
        await pledger.settled()
        latencies: list[float] = []

        async def make(n: int) -> None:
            started = time.perf_counter()
            await pledger.make(n)
            latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await in_flight(count, make)
        timing = Timing(count, time.perf_counter() - started)
    return MakeRun(timing, tuple(sorted(latencies)))


_runs: dict[int, MakeRun] = {}  # one MakePledge run per rig gives all three of its figures


def _make_run(rig: Rig) -> MakeRun:
    if id(rig) not in _runs:
        with services(rig) as (archives_port, port):
            _runs[id(rig)] = asyncio.run(_makes(archives_port, port, rig.count(MAKES)))
    return _runs[id(rig)]


def make_pledges(rig: Rig) -> Timing:
    run = _make_run(rig)
    print(
        f"    MakePledge latency under load: p50 {run.percentile(0.5) * 1000:.1f} ms, "
        f"p99 {run.percentile(0.99) * 1000:.1f} ms, mean "
        f"{statistics.fmean(run.latencies) * 1000:.1f} ms"
    )
    return run.timing


def make_p50(rig: Rig) -> Timing:
    return Timing(1, _make_run(rig).percentile(0.5))


def make_p99(rig: Rig) -> Timing:
    return Timing(1, _make_run(rig).percentile(0.99))


MEASUREMENTS = [
    Measurement(
        "pledges.lifecycle",
        "Pledges: lifecycle commands via gRPC (50 in flight)",
        "command",
        lifecycle_commands,
        ratios=(Ratio("grpc.unary", LIFECYCLE_TARGET, "no inter-service call"),),
    ),
    Measurement(
        "pledges.make",
        "Pledges: MakePledge via gRPC incl. archives call (50 in flight)",
        "command",
        make_pledges,
        ratios=(Ratio("grpc.unary", None, "asks archives each time"),),
    ),
    Measurement(
        "pledges.make.p50",
        "Pledges: MakePledge p50 under that load (rate = 1/p50)",
        "call",
        make_p50,
    ),
    Measurement(
        "pledges.make.p99",
        "Pledges: MakePledge p99 under that load (rate = 1/p99)",
        "call",
        make_p99,
    ),
]
