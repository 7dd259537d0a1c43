"""The SDK against the real archives service (store, relay, projection, gRPC on 127.0.0.1,
the session broker): typed calls round-trip, and a refusal is a VanguardError carrying the
status code and the field at fault."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio

from archives import bootstrap
from kernel.envelope import Role
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import command_pb2
from vanguard_sdk import DevTokens, Endpoints, Vanguard, VanguardError

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
