"""What the pledges integration tests share: archives and pledges running for real on
127.0.0.1 (stores, relays, projections, gRPC servers) against the session broker; callers
with real tokens; a school founded through the archives API; pledges driven through the
pledges API.

The test modules import this by its (unique) module name; pytest puts this directory on the
path, as it does for the conftest next to it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import grpc

from archives import bootstrap as archives_bootstrap
from contracts.periods import periods_of
from kernel.broker import EmbeddedBroker
from kernel.envelope import Envelope, Role
from kernel.grpc.client import bearer, field_of
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings
from kernel.tokens import issue_token
from pledges import bootstrap as pledges_bootstrap
from pledges.bootstrap import PledgesRuntime
from pledges.config import PledgesConfig
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import command_pb2, status_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard.pledges.v1 import pledges_pb2_grpc

Metadata = tuple[tuple[str, str], ...]

READY_S = 30.0
CALL_S = 10.0  # every call's deadline: a hung service fails the test, it never blocks it
VISIBLE = command_pb2.CommandOptions(wait_visible=True)
BRANCHES = (("b-chinese", "语文教研室党支部"), ("b-maths", "数学教研室党支部"))
# member id, name, branch. m-chen is also the secretary of b-chinese.
MEMBERS = (
    ("m-wang", "王小明", "b-chinese"),
    ("m-li", "李华", "b-chinese"),
    ("m-chen", "陈静", "b-chinese"),
    ("m-zhao", "赵强", "b-maths"),
    ("m-left", "刘洋", "b-maths"),
)

_ids = itertools.count(1)


def fresh(prefix: str) -> str:
    """An id (school, key) no other call of this test run has used."""
    return f"{prefix}-{next(_ids)}"


# -- dates: a period that contains today, targets due inside it ------------------------------

TODAY = date.today()
YEAR = periods_of(TODAY)[2]  # the academic year containing today
PERIOD = YEAR.id


def due(days: int) -> str:
    """A due date `days` from today, kept inside the period."""
    return min(TODAY + timedelta(days=days), YEAR.end - timedelta(days=1)).isoformat()


def targets(*days: int) -> list[pb.TargetSpec]:
    return [
        pb.TargetSpec(description=f"目标{n}:公开课 {d} 节", due_on=due(d))
        for n, d in enumerate(days or (7, 30), 1)
    ]


def progress(*pairs: tuple[int, int]) -> list[pb.TargetProgress]:
    return [pb.TargetProgress(target=t, percent=p) for t, p in pairs]


# -- services --------------------------------------------------------------------------------


@dataclass
class Running:
    """One service runtime and a channel to it."""

    runtime: ServiceRuntime
    channel: grpc.aio.Channel
    port: int

    @classmethod
    async def start(cls, runtime: ServiceRuntime, registrations: Any) -> Running:
        port = await runtime.start(registrations)
        await asyncio.wait_for(runtime.ready(), READY_S)
        return cls(runtime, grpc.aio.insecure_channel(f"127.0.0.1:{port}"), port)

    async def stop(self) -> None:
        await self.channel.close(grace=None)
        await self.runtime.stop()


async def start_archives(settings: Settings, port: int = 0) -> Running:
    """Archives on `port` (0: a free one), with its data under `settings.data_dir`."""
    runtime = archives_bootstrap.build(settings.model_copy(update={"archives_port": port}))
    return await Running.start(runtime, archives_bootstrap.registrations)


async def start_pledges(
    settings: Settings, archives_port: int, config: PledgesConfig | None = None
) -> Running:
    """Pledges with its own data directory, asking the archives on `archives_port`."""
    settings = settings.model_copy(
        update={
            "pledges_port": 0,
            "archives_port": archives_port,
            "data_dir": settings.data_dir / fresh("pledges"),
        }
    )
    runtime = pledges_bootstrap.build(settings, config or PledgesConfig(sweep_interval_s=3600))
    return await Running.start(runtime, pledges_bootstrap.registrations)


@asynccontextmanager
async def own_school(
    settings: Settings, broker: EmbeddedBroker, config: PledgesConfig | None = None
) -> AsyncIterator[School]:
    """A founded school on archives and pledges of its own, on a broker of its own: two
    instances of one service on one broker would share a consumer group and split its
    partitions. Everything started is stopped, whatever happens."""
    settings = settings.model_copy(
        update={
            "data_dir": settings.data_dir / fresh("own"),
            "bootstrap_servers": broker.bootstrap_servers,
        }
    )
    archives = await start_archives(settings)
    try:
        pledges = await start_pledges(settings, archives.port, config)
    except BaseException:
        await archives.stop()
        raise
    school = School(fresh("school"), settings, archives, pledges)
    try:
        yield await school.found()
    finally:
        try:
            await school.pledges.stop()
        finally:
            await school.archives.stop()  # the test may have replaced it


# -- callers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    subject: str
    metadata: Metadata = ()


@dataclass
class School:
    """One school: its id, its people, and calls to both services as any of them."""

    id: str
    settings: Settings
    archives: Running
    pledges: Running
    archives_stub: archives_pb2_grpc.ArchiveServiceStub = field(init=False)
    stub: pledges_pb2_grpc.PledgeServiceStub = field(init=False)

    def __post_init__(self) -> None:
        self.archives_stub = archives_pb2_grpc.ArchiveServiceStub(self.archives.channel)
        self.stub = pledges_pb2_grpc.PledgeServiceStub(self.pledges.channel)

    @property
    def runtime(self) -> PledgesRuntime:
        assert isinstance(self.pledges.runtime, PledgesRuntime)
        return self.pledges.runtime

    def caller(
        self,
        role: Role,
        subject: str,
        *,
        branch: str | None = None,
        school: str | None = None,
        name: str | None = None,
    ) -> Caller:
        token = issue_token(
            self.settings.token_secret.get_secret_value(),
            subject=subject,
            role=role,
            school=school or self.id,
            branch=branch,
            ttl_s=3600,
        )
        return Caller(name or f"{role.value} {subject}", role, subject, bearer(token))

    @property
    def committee(self) -> Caller:
        return self.caller(Role.COMMITTEE, "committee-1", name="committee")

    def member(self, member_id: str) -> Caller:
        return self.caller(Role.MEMBER, member_id, name=f"member {member_id}")

    def secretary(self, branch: str) -> Caller:
        subject = "m-chen" if branch == "b-chinese" else f"sec-{branch}"
        return self.caller(Role.SECRETARY, subject, branch=branch, name=f"secretary of {branch}")

    @property
    def chinese(self) -> Caller:
        """The secretary of b-chinese, who is member m-chen as well."""
        return self.secretary("b-chinese")

    @property
    def anonymous(self) -> Caller:
        return Caller("anonymous", Role.PUBLIC, "anonymous")

    # -- calling ---------------------------------------------------------------------------

    async def call(self, method: str, request: Any, caller: Caller) -> Any:
        return await getattr(self.stub, method)(request, metadata=caller.metadata, timeout=CALL_S)

    async def head(self) -> int:
        """The last position of the pledges event store, as GetStatus reports it."""
        status: status_pb2.ServiceStatus = await self.call(
            "GetStatus", status_pb2.GetStatusRequest(), self.committee
        )
        return status.head_position

    def events(self, stream_kind: str, id: str) -> list[Envelope]:
        """The stream as the pledges store holds it (`pledge` or `feedback`)."""
        assert self.runtime.store is not None
        return self.runtime.store.read_stream(f"{self.id}/{stream_kind}/{id}")

    async def get(self, pledge_id: str, caller: Caller | None = None) -> pb.Pledge:
        request = pb.GetPledgeRequest(school_id=self.id, pledge_id=pledge_id)
        reply: pb.Pledge = await self.call("GetPledge", request, caller or self.committee)
        return reply

    # -- founding the school through archives ------------------------------------------------

    async def found(self) -> School:
        committee = self.committee.metadata
        stub = self.archives_stub
        await stub.RegisterSchool(
            apb.RegisterSchoolRequest(school_id=self.id, name="长沙市第一中学", options=VISIBLE),
            metadata=committee,
            timeout=CALL_S,
        )
        for branch_id, name in BRANCHES:
            await stub.EstablishBranch(
                apb.EstablishBranchRequest(
                    school_id=self.id, branch_id=branch_id, name=name, options=VISIBLE
                ),
                metadata=committee,
                timeout=CALL_S,
            )
        for member_id, name, branch_id in MEMBERS:
            await stub.RegisterMember(
                apb.RegisterMemberRequest(
                    school_id=self.id,
                    member_id=member_id,
                    name=name,
                    branch_id=branch_id,
                    roles=["teacher"],
                    joined_party_on="2010-07-01",
                    options=VISIBLE,
                ),
                metadata=committee,
                timeout=CALL_S,
            )
        await stub.RecordMemberLeft(
            apb.RecordMemberLeftRequest(
                school_id=self.id,
                member_id="m-left",
                left_on=TODAY.isoformat(),
                reason="调离",
                options=VISIBLE,
            ),
            metadata=committee,
            timeout=CALL_S,
        )
        return self

    # -- driving pledges -------------------------------------------------------------------

    def make_request(self, member_id: str = "m-wang", **fields: Any) -> pb.MakePledgeRequest:
        values: dict[str, Any] = {
            "school_id": self.id,
            "member_id": member_id,
            "period": PERIOD,
            "lead": "work",
            "title": "每周上一节公开课",
            "description": "带头做事:把每一节课上好",
            "targets": targets(),
            "options": VISIBLE,
        }
        values.update(fields)
        return pb.MakePledgeRequest(**values)

    async def make(
        self, member_id: str = "m-wang", caller: Caller | None = None, **fields: Any
    ) -> command_pb2.CommandReply:
        request = self.make_request(member_id, **fields)
        reply: command_pb2.CommandReply = await self.call(
            "MakePledge", request, caller or self.member(member_id)
        )
        return reply

    async def command(self, method: str, caller: Caller, **fields: Any) -> Any:
        """A command on a pledge or feedback of this school, waiting until it is visible."""
        request_type = getattr(pb, f"{method}Request")
        fields.setdefault("options", VISIBLE)
        return await self.call(method, request_type(school_id=self.id, **fields), caller)

    async def published(self, member_id: str = "m-wang", **fields: Any) -> str:
        """A pledge made, approved and published by its branch's secretary; its id."""
        pledge_id = (await self.make(member_id, **fields)).id
        branch = dict((m, b) for m, _, b in MEMBERS)[member_id]
        leader = self.secretary(branch) if member_id != "m-chen" else self.committee
        await self.command("ApprovePledge", leader, pledge_id=pledge_id)
        await self.command("PublishPledge", leader, pledge_id=pledge_id)
        return pledge_id

    async def reported(self, *pairs: tuple[int, int], member_id: str = "m-wang") -> str:
        """A published pledge with one report awaiting verification; its id."""
        pledge_id = await self.published(member_id)
        await self.command(
            "ReportFulfilment",
            self.member(member_id),
            pledge_id=pledge_id,
            progress=progress(*(pairs or ((1, 50),))),
            narrative="上了两节公开课",
            evidence=["doc-2026-117"],
        )
        return pledge_id


async def failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    """The error a call must end in; a call that succeeds fails the test."""
    try:
        reply = await call
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError(f"the call succeeded but should have failed: {reply!r}")


def describe(error: grpc.aio.AioRpcError) -> str:
    return f"{error.code().name} field={field_of(error)!r} ({error.details()})"


def event_types(envelopes: Sequence[Envelope]) -> list[str]:
    return [e.event_type for e in envelopes]
