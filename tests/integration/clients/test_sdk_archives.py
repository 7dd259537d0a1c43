"""The SDK against the real archives service (store, relay, projection, gRPC on 127.0.0.1,
the session broker): typed calls round-trip, and a refusal is a VanguardError carrying the
status code and the field at fault."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import pytest
import pytest_asyncio

from archives import bootstrap
from kernel.envelope import Role
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import command_pb2
from vanguard_sdk import CallPolicy, DevTokens, Endpoints, RetryPolicy, Vanguard, VanguardError

VISIBLE = command_pb2.CommandOptions(wait_visible=True)


@pytest_asyncio.fixture
async def archives(settings: Settings) -> AsyncIterator[int]:
    runtime: ServiceRuntime = bootstrap.build(settings.model_copy(update={"archives_port": 0}))
    port = await runtime.start(bootstrap.registrations)
    await runtime.ready()
    yield port
    await runtime.stop()


@pytest_asyncio.fixture
async def committee(settings: Settings, archives: int) -> AsyncIterator[Vanguard]:
    school = f"sdk-{uuid.uuid4().hex[:8]}"
    tokens = DevTokens(settings.token_secret.get_secret_value(), Role.COMMITTEE, school)
    async with Vanguard(Endpoints(archives=f"127.0.0.1:{archives}"), token=tokens) as vanguard:
        yield vanguard


async def test_the_school_comes_from_the_token_and_calls_round_trip(committee: Vanguard) -> None:
    assert committee.school_id.startswith("sdk-")
    archives = committee.archives
    await archives.register_school(pb.RegisterSchoolRequest(name="长沙市第一中学"))
    await archives.establish_branch(pb.EstablishBranchRequest(branch_id="b1", name="语文支部"))
    reply = await archives.register_member(
        pb.RegisterMemberRequest(
            member_id="m1",
            name="王芳",
            branch_id="b1",
            roles=["head_teacher"],
            joined_party_on="2010-07-01",
            options=VISIBLE,
        )
    )
    assert reply.visible and not reply.replayed
    archive = await archives.get_archive("m1")
    assert archive.member.name == "王芳"
    assert [m.member_id async for m in archives.members("b1")] == ["m1"]


async def test_a_refusal_carries_the_status_and_the_field(committee: Vanguard) -> None:
    archives = committee.archives
    await archives.register_school(pb.RegisterSchoolRequest(name="一中"))
    await archives.establish_branch(pb.EstablishBranchRequest(branch_id="b1", name="语文支部"))
    with pytest.raises(VanguardError) as raised:
        await archives.register_member(
            pb.RegisterMemberRequest(
                member_id="m2",
                name="李华",
                branch_id="b1",
                roles=["teacher"],
                joined_party_on="2010-13-45",
            )
        )
    assert raised.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.field == "joined_party_on"
    assert (
        str(raised.value) == "INVALID_ARGUMENT (field joined_party_on): must be a date YYYY-MM-DD"
    )

    with pytest.raises(VanguardError) as raised:
        await archives.get_member("nobody")
    assert raised.value.code is grpc.StatusCode.NOT_FOUND
    assert raised.value.field == "member_id"


async def test_without_a_token_the_call_is_unauthenticated(committee: Vanguard) -> None:
    anonymous = committee.acting_as(None)
    with pytest.raises(VanguardError) as raised:
        await anonymous.archives.get_member("m1")
    assert raised.value.code is grpc.StatusCode.UNAUTHENTICATED


# -- a watch outliving a restart of archives -------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def archives_on(settings: Settings, port: int) -> AsyncIterator[Vanguard]:
    """Archives serving `settings.data_dir` on `port`, and its school's committee."""
    runtime = bootstrap.build(settings.model_copy(update={"archives_port": port}))
    await runtime.start(bootstrap.registrations)
    await runtime.ready()
    tokens = DevTokens(settings.token_secret.get_secret_value(), Role.COMMITTEE, "sdk-watch")
    try:
        async with Vanguard(Endpoints(archives=f"127.0.0.1:{port}"), token=tokens) as vanguard:
            await answering(vanguard)
            yield vanguard
    finally:
        await runtime.stop(grace_s=0.1)  # the open watch would hold a longer drain


async def answering(vanguard: Vanguard, within_s: float = 20.0) -> None:
    """Until archives answers this client. A restarted server is reached only once gRPC's
    connection to its address leaves the backoff the outage put it in, and channels to one
    address share that connection: seconds, longer than the SDK's retries of one call."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            await vanguard.archives.get_status()
            return
        except VanguardError as error:
            if error.code is not grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


def joiner(member_id: str) -> pb.RegisterMemberRequest:
    return pb.RegisterMemberRequest(
        member_id=member_id,
        name="王芳",
        branch_id="b1",
        roles=["teacher"],
        joined_party_on="2010-07-01",
        options=VISIBLE,
    )


async def test_a_watch_resumes_after_a_restart_missing_and_repeating_nothing(
    settings: Settings,
) -> None:
    port = free_port()
    quick = CallPolicy(retry=RetryPolicy(initial_backoff_s=0.05, max_backoff_s=0.2))
    reconnects: list[grpc.StatusCode] = []
    seen: asyncio.Queue[pb.ArchiveChange] = asyncio.Queue()
    async with archives_on(settings, port) as committee:
        archives = committee.archives
        await archives.register_school(pb.RegisterSchoolRequest(name="一中"))
        await archives.establish_branch(pb.EstablishBranchRequest(branch_id="b1", name="语文"))
        await archives.register_member(joiner("m1"))
        # Started after m1's registration: the watch resumes there, so it misses nothing
        # however long it takes to be served.
        (joined,) = (await archives.export_archive("m1")).event_ids
        watcher = Vanguard(Endpoints(archives=f"127.0.0.1:{port}"), token=committee.tokens,
                           policy=quick)  # fmt: skip

        async def watch() -> None:
            changes = watcher.archives.watch(
                branch_id="b1",
                after_event_id=joined,
                on_reconnect=lambda e: reconnects.append(e.code),
            )
            async for change in changes:
                seen.put_nowait(change)

        watching = asyncio.create_task(watch())
        await archives.register_member(joiner("m2"))
        first = await asyncio.wait_for(seen.get(), 10)

    # Archives is down; the watch keeps trying. A change is made meanwhile, by archives
    # serving the same files on another port the watch does not know.
    async with archives_on(settings, free_port()) as elsewhere:
        await elsewhere.archives.register_member(joiner("m3"))
    async with archives_on(settings, port) as committee:
        await committee.archives.register_member(joiner("m4"))
        rest = [await asyncio.wait_for(seen.get(), 20) for _ in range(2)]
        watching.cancel()
        await watcher.close()

    assert [(c.member_id, c.event_type) for c in [first, *rest]] == [
        ("m2", "MemberRegistered"),
        ("m3", "MemberRegistered"),
        ("m4", "MemberRegistered"),
    ]
    assert seen.empty()  # nothing twice
    assert reconnects and set(reconnects) == {grpc.StatusCode.UNAVAILABLE}


async def test_a_watch_resuming_after_an_unknown_change_is_not_found(committee: Vanguard) -> None:
    await committee.archives.register_school(pb.RegisterSchoolRequest(name="一中"))
    await committee.archives.establish_branch(
        pb.EstablishBranchRequest(branch_id="b1", name="语文", options=VISIBLE)
    )
    with pytest.raises(VanguardError) as raised:
        async for _ in committee.archives.watch(branch_id="b1", after_event_id="no-such-event"):
            pass
    assert (raised.value.code, raised.value.field) == (grpc.StatusCode.NOT_FOUND, "after_event_id")
