"""The pledges read model never dies on an event: of what an outside producer puts on
`vanguard.pledges`, a pledge for a period in year 1 is applied (it is well-formed), and an
envelope with junk data and bytes that are not JSON are set aside with the reason and the
original bytes; the member's next pledge is applied, the service stays SERVING and its status
counts the letters; a rebuild of the read model from the log meets the same verdicts."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pledges_kit import PERIOD, Running, School, fresh, own_school
from toy.hostile import NOT_JSON, dead_letters_about, outside_envelope, publish_raw

from contracts.topics import PLEDGES
from kernel.broker import EmbeddedBroker
from kernel.settings import Settings
from pledges import bootstrap as pledges_bootstrap
from pledges.config import PledgesConfig
from pledges.readmodel.projection import PledgesProjection
from vanguard.common.v1 import status_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard.pledges.v1 import pledges_pb2_grpc

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONSUMER = f"vanguard.pledges.{PledgesProjection.name}"
PARTITIONS = 3


async def serving(school: School) -> bool:
    reply = await health_pb2_grpc.HealthStub(school.pledges.channel).Check(
        health_pb2.HealthCheckRequest(), timeout=5
    )
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def dead_lettered(school: School) -> int:
    status = await school.call("GetStatus", status_pb2.GetStatusRequest(), school.committee)
    (projection,) = [p for p in status.projections if p.name == PledgesProjection.name]
    return int(projection.dead_lettered)


async def rebuild_read_model(school: School) -> None:
    """Stop pledges, delete its read model, start it again on the same store."""
    runtime = school.pledges.runtime
    settings, read_model = runtime.settings, runtime.read_model(PledgesProjection.name)
    await school.pledges.stop()
    read_model.drop()
    built = pledges_bootstrap.build(settings, PledgesConfig(sweep_interval_s=3600))
    school.pledges = await Running.start(built, pledges_bootstrap.registrations)
    school.stub = pledges_pb2_grpc.PledgeServiceStub(school.pledges.channel)


async def pledge_back(school: School, pledge_id: str) -> pb.Pledge:
    deadline = time.monotonic() + 20.0
    while True:
        try:
            return await school.get(pledge_id)
        except grpc.aio.AioRpcError as error:  # the rebuilt read model has not got it yet
            if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.1)


async def test_hostile_events_are_set_aside_and_the_next_one_applied(
    suite_settings: Settings, own_broker: EmbeddedBroker
) -> None:
    async with own_school(suite_settings, own_broker) as school:
        servers = own_broker.bootstrap_servers
        pledge = {
            "pledge_id": fresh("p-old"),
            "member_id": "m-wang",
            "member_name": "王小明",
            "branch_id": "b-chinese",
            "period": "0001-01",
            "lead": "work",
            "title": "每周上一节公开课",
            "description": "带头做事",
            "targets": [{"number": 1, "description": "公开课", "due_on": "0001-01-31"}],
        }
        ancient = outside_envelope(
            "PledgeMade",
            school=school.id,
            stream_id=f"{school.id}/pledge/{pledge['pledge_id']}",
            key="m-wang",
            data=pledge,
        )
        junk = outside_envelope(
            "PledgeMade",
            school=school.id,
            stream_id=f"{school.id}/pledge/{fresh('p-junk')}",
            key="m-wang",
            data={"member_id": "m-wang", "period": 2026, "targets": "many"},
        )
        publish_raw(servers, PLEDGES, "m-wang", [ancient.to_json(), junk.to_json(), NOT_JSON])
        good = (await school.make("m-wang")).id  # waits until the read model has it

        assert (await school.get(good)).period == PERIOD
        assert await serving(school)
        letters = dead_letters_about(servers, "m-wang", CONSUMER, PARTITIONS, at_least=2)
        by_value = {letter.value: letter for letter in letters}
        assert set(by_value) == {junk.to_json(), NOT_JSON}
        assert by_value[junk.to_json()].headers["event_id"] == str(junk.event_id)
        assert by_value[junk.to_json()].headers["reason"].startswith("undecodable: Validation")
        for letter in letters:
            assert letter.headers["source_topic"] == PLEDGES
            assert len(letter.headers["reason"]) <= 500
        # A pledge for year 1 is well-formed: the read model shows what the log holds (keeping
        # such periods out is the API's range check). The junk and the bytes are set aside.
        assert (await school.get(str(pledge["pledge_id"]))).period == "0001-01"
        assert len(letters) == 2
        assert await dead_lettered(school) == len(letters)

        await rebuild_read_model(school)  # the whole log again: the same verdicts
        assert (await pledge_back(school, good)).period == PERIOD
        assert (await school.get(str(pledge["pledge_id"]))).period == "0001-01"
        assert await serving(school)
        assert await dead_lettered(school) == len(letters)
