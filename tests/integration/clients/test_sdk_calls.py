"""The SDK's call discipline against real gRPC sockets: a command is retried on UNAVAILABLE
with the same idempotency key, boundedly; other failures are not retried; every failure is a
VanguardError with the status code.

The server here is a real grpc.aio server on 127.0.0.1 whose ArchiveService answers
UNAVAILABLE a set number of times: an outage the real services cannot be made to have on cue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio

from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import command_pb2
from vanguard_sdk import CallPolicy, Endpoints, RetryPolicy, Vanguard, VanguardError


class FlakyArchives(archives_pb2_grpc.ArchiveServiceServicer):
    """Unavailable for the first `outages` calls; remembers every key and token it saw."""

    def __init__(self) -> None:
        self.outages = 0
        self.keys: list[str] = []
        self.tokens: list[str] = []

    async def RegisterSchool(self, request, context):  # type: ignore[no-untyped-def]
        self.keys.append(request.options.idempotency_key)
        self.tokens.append(dict(context.invocation_metadata()).get("authorization", ""))
        if len(self.keys) <= self.outages:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "archives store is busy")
        if not request.name:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "name: must not be empty")
        return command_pb2.CommandReply(id=request.school_id, replayed=len(self.keys) > 1)


@pytest_asyncio.fixture
async def flaky() -> AsyncIterator[tuple[FlakyArchives, int]]:
    server = grpc.aio.server()
    servicer = FlakyArchives()
    archives_pb2_grpc.add_ArchiveServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield servicer, port
    await server.stop(grace=None)


def client(port: int, attempts: int = 5) -> Vanguard:
    policy = CallPolicy(
        timeout_s=10.0, retry=RetryPolicy(attempts=attempts, initial_backoff_s=0.05)
    )
    return Vanguard(
        Endpoints(archives=f"127.0.0.1:{port}"), token="t0k3n", school_id="s1", policy=policy
    )


async def test_a_command_retried_on_unavailable_repeats_its_idempotency_key(flaky) -> None:
    servicer, port = flaky
    servicer.outages = 2
    async with client(port) as vanguard:
        reply = await vanguard.archives.register_school(pb.RegisterSchoolRequest(name="一中"))
    assert reply.id == "s1"  # the client's school filled in
    assert len(servicer.keys) == 3
    assert servicer.keys[0] and len(set(servicer.keys)) == 1, servicer.keys
    assert servicer.tokens == ["Bearer t0k3n"] * 3


async def test_the_callers_own_key_is_kept(flaky) -> None:
    servicer, port = flaky
    servicer.outages = 1
    options = command_pb2.CommandOptions(idempotency_key="demo/school")
    async with client(port) as vanguard:
        await vanguard.archives.register_school(
            pb.RegisterSchoolRequest(name="一中", options=options)
        )
    assert servicer.keys == ["demo/school", "demo/school"]


async def test_retries_are_bounded_and_end_in_the_status(flaky) -> None:
    servicer, port = flaky
    servicer.outages = 100
    async with client(port, attempts=3) as vanguard:
        with pytest.raises(VanguardError) as raised:
            await vanguard.archives.register_school(pb.RegisterSchoolRequest(name="一中"))
    assert raised.value.code is grpc.StatusCode.UNAVAILABLE
    assert "busy" in raised.value.message
    assert len(servicer.keys) == 3


async def test_other_failures_are_not_retried(flaky) -> None:
    servicer, port = flaky
    async with client(port) as vanguard:
        with pytest.raises(VanguardError) as raised:
            await vanguard.archives.register_school(pb.RegisterSchoolRequest(name=""))
    assert raised.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert len(servicer.keys) == 1


async def test_nothing_listening_is_unavailable_within_the_deadline() -> None:
    from kernel.broker import free_port

    policy = CallPolicy(timeout_s=1.0, retry=RetryPolicy(attempts=50, initial_backoff_s=0.05))
    async with Vanguard(
        Endpoints(archives=f"127.0.0.1:{free_port()}"), token="t", school_id="s", policy=policy
    ) as vanguard:
        with pytest.raises(VanguardError) as raised:
            await vanguard.archives.get_member("m01")
    assert raised.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
