"""What the archives integration tests share: a real archives service (store, relay, projection,
gRPC server) on 127.0.0.1 against the session broker, a client that speaks as any principal,
and a small school to act in.

The test modules import this by its (unique) module name; pytest puts this directory on the
path, as it does for the conftest next to it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc

from archives import bootstrap
from archives.readmodel.projection import ArchiveProjection
from kernel.database import ReadModelDatabase
from kernel.envelope import Role
from kernel.grpc.client import bearer, field_of
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings
from kernel.store.factory import read_model_database
from kernel.tokens import issue_token
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import command_pb2, status_pb2

Metadata = tuple[tuple[str, str], ...]

READY_S = 30.0
CALL_S = 10.0  # every call's deadline: a hung service fails the test, it never blocks it
VISIBLE = command_pb2.CommandOptions(wait_visible=True)
LEADS = ("study", "work", "discipline", "devotion")


def today() -> date:
    return date.today()


def last_month() -> str:
    """The id of the month before this one: a period that has started, so it may be closed."""
    first = today().replace(day=1)
    previous = first - timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def this_month() -> str:
    return f"{today().year:04d}-{today().month:02d}"


def scores(study: float, work: float, discipline: float, devotion: float) -> pb.LeadScores:
    return pb.LeadScores(study=study, work=work, discipline=discipline, devotion=devotion)


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


_ids = itertools.count(1)


def fresh(prefix: str) -> str:
    """An id no other call of this test run has used."""
    return f"{prefix}-{next(_ids)}"


@dataclass
class Caller:
    """A principal as the tests name it, with the token metadata it calls with."""

    name: str
    role: Role
    subject: str
    school: str
    branch: str | None = None
    metadata: Metadata = ()


@dataclass
class ArchivesService:
    """One running archives service and a channel to it. `restart` keeps the data directory."""

    settings: Settings
    school: str
    runtime: ServiceRuntime | None = None
    channel: grpc.aio.Channel | None = None
    stub: archives_pb2_grpc.ArchiveServiceStub = field(init=False)

    @classmethod
    async def start(cls, settings: Settings, school: str) -> ArchivesService:
        service = cls(settings, school)
        await service._start()
        return service

    async def _start(self) -> None:
        runtime = bootstrap.build(self.settings)
        port = await runtime.start(bootstrap.registrations)
        self.runtime = runtime
        await asyncio.wait_for(runtime.ready(), READY_S)
        self.channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        self.stub = archives_pb2_grpc.ArchiveServiceStub(self.channel)

    async def stop(self) -> None:
        if self.channel is not None:
            await self.channel.close(grace=None)
            self.channel = None
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def restart(
        self,
        *,
        drop_read_model: bool = False,
        while_stopped: Callable[[Path], None] | None = None,
    ) -> None:
        """Stop, optionally delete the projection's database or do `while_stopped(data
        directory)`, start again on the same data."""
        directory = self.directory
        await self.stop()
        if drop_read_model:
            self.read_model().drop()
        if while_stopped is not None:
            while_stopped(directory)
        await self._start()

    def read_model(self) -> ReadModelDatabase:
        """Where the archive projection lives on this run's backend (`--store`)."""
        return read_model_database(self.settings, "archives", ArchiveProjection.name)

    @property
    def directory(self) -> Path:
        assert self.runtime is not None
        return self.runtime.directory

    # -- who calls -------------------------------------------------------------------------

    def caller(
        self,
        name: str,
        role: Role,
        subject: str,
        *,
        branch: str | None = None,
        school: str | None = None,
    ) -> Caller:
        school = school or self.school
        token = issue_token(
            self.settings.token_secret.get_secret_value(),
            subject=subject,
            role=role,
            school=school,
            branch=branch,
            ttl_s=3600,
        )
        return Caller(name, role, subject, school, branch, bearer(token))

    @property
    def committee(self) -> Caller:
        return self.caller("committee", Role.COMMITTEE, "committee-secretary")

    def member(self, member_id: str) -> Caller:
        return self.caller(f"member {member_id}", Role.MEMBER, member_id)

    def secretary(self, branch: str, subject: str | None = None) -> Caller:
        return self.caller(
            f"secretary of {branch}", Role.SECRETARY, subject or f"sec-{branch}", branch=branch
        )

    # -- calling ---------------------------------------------------------------------------

    async def call(self, method: str, request: Any, caller: Caller) -> Any:
        return await getattr(self.stub, method)(request, metadata=caller.metadata, timeout=CALL_S)

    async def head(self) -> int:
        """The last position of the service's event store, as GetStatus reports it."""
        status: status_pb2.ServiceStatus = await self.call(
            "GetStatus", status_pb2.GetStatusRequest(), self.committee
        )
        return status.head_position

    async def archive(self, member_id: str, as_of: str = "") -> pb.Archive:
        request = pb.GetArchiveRequest(school_id=self.school, member_id=member_id, as_of=as_of)
        reply: pb.Archive = await self.call("GetArchive", request, self.committee)
        return reply

    async def export(self, member_id: str) -> pb.ArchiveExport:
        request = pb.ExportArchiveRequest(school_id=self.school, member_id=member_id)
        reply: pb.ArchiveExport = await self.call("ExportArchive", request, self.committee)
        return reply

    async def all_members(self, page_size: int = 50) -> list[pb.Member]:
        members: list[pb.Member] = []
        token = ""
        while True:
            request = pb.ListMembersRequest(
                school_id=self.school, page_size=page_size, page_token=token
            )
            reply: pb.ListMembersReply = await self.call("ListMembers", request, self.committee)
            members.extend(reply.members)
            token = reply.next_page_token
            if not token:
                return members

    # -- a school to act in ----------------------------------------------------------------

    async def found_school(self, branches: Sequence[tuple[str, str]]) -> None:
        committee = self.committee
        await self.call(
            "RegisterSchool",
            pb.RegisterSchoolRequest(school_id=self.school, name="长沙市第一中学", options=VISIBLE),
            committee,
        )
        for branch_id, name in branches:
            await self.call(
                "EstablishBranch",
                pb.EstablishBranchRequest(
                    school_id=self.school, branch_id=branch_id, name=name, options=VISIBLE
                ),
                committee,
            )

    async def register(
        self,
        member_id: str,
        name: str,
        branch: str,
        roles: Sequence[str] = ("teacher",),
        caller: Caller | None = None,
    ) -> command_pb2.CommandReply:
        reply: command_pb2.CommandReply = await self.call(
            "RegisterMember",
            pb.RegisterMemberRequest(
                school_id=self.school,
                member_id=member_id,
                name=name,
                branch_id=branch,
                roles=list(roles),
                joined_party_on="2008-07-01",
                options=VISIBLE,
            ),
            caller or self.committee,
        )
        return reply

    async def record(
        self,
        member_id: str,
        *,
        caller: Caller | None = None,
        record_id: str = "",
        category: str = "duty_performance",
        channel: str = "branch_investigation",
        occurred_on: str | None = None,
        points: float = 5.0,
        description: str = "公开课《荷塘月色》获校级一等奖",
        appeal_id: str = "",
    ) -> command_pb2.CommandReply:
        reply: command_pb2.CommandReply = await self.call(
            "RecordPerformance",
            pb.RecordPerformanceRequest(
                school_id=self.school,
                member_id=member_id,
                record_id=record_id,
                category=category,
                channel=channel,
                occurred_on=occurred_on or today().isoformat(),
                description=description,
                evidence=["doc-2026-117"],
                claimed_points=points,
                appeal_id=appeal_id,
                options=VISIBLE,
            ),
            caller or self.committee,
        )
        return reply

    async def verify(
        self, record_id: str, points: float, caller: Caller | None = None, appeal_id: str = ""
    ) -> command_pb2.CommandReply:
        reply: command_pb2.CommandReply = await self.call(
            "VerifyRecord",
            pb.VerifyRecordRequest(
                school_id=self.school,
                record_id=record_id,
                awarded_points=points,
                note="经支部核实",
                appeal_id=appeal_id,
                options=VISIBLE,
            ),
            caller or self.committee,
        )
        return reply


async def failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    """The error a call must end in; a call that succeeds fails the test."""
    try:
        reply = await call
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError(f"the call succeeded but should have failed: {reply!r}")


def describe(error: grpc.aio.AioRpcError) -> str:
    return f"{error.code().name} field={field_of(error)!r} ({error.details()})"
