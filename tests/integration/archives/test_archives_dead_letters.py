"""The archive read model never dies on an event: of what an outside producer puts on
`vanguard.archives`, a performance record dated 0001-01-01 is applied (it is well-formed), and
an envelope with junk data and bytes that are not JSON are set aside with the reason and the
original bytes; the member's next event is applied, the service stays SERVING and its status
counts the letters; a rebuild of the read model from the log meets the same verdicts."""

from __future__ import annotations

import asyncio
import time

import grpc
from archives_kit import ArchivesService, fresh
from grpc_health.v1 import health_pb2, health_pb2_grpc
from toy.hostile import NOT_JSON, dead_letters_about, outside_envelope, publish_raw

from archives.readmodel.projection import ArchiveProjection
from contracts.topics import ARCHIVES
from kernel.settings import Settings
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import status_pb2

CONSUMER = f"vanguard.archives.{ArchiveProjection.name}"


async def serving(archives: ArchivesService) -> bool:
    assert archives.channel is not None
    reply = await health_pb2_grpc.HealthStub(archives.channel).Check(
        health_pb2.HealthCheckRequest(), timeout=5
    )
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def dead_lettered(archives: ArchivesService) -> int:
    status = await archives.call("GetStatus", status_pb2.GetStatusRequest(), archives.committee)
    (projection,) = [p for p in status.projections if p.name == ArchiveProjection.name]
    return int(projection.dead_lettered)


async def rebuilt(archives: ArchivesService, member: str, records: int) -> pb.Archive:
    """The member's archive once the rebuilt read model holds `records` records again."""
    deadline = time.monotonic() + 20.0
    while True:
        try:
            archive = await archives.archive(member)
            if len(archive.records) >= records or time.monotonic() > deadline:
                return archive
        except grpc.aio.AioRpcError as error:  # the member is not back yet
            if error.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.1)


async def test_hostile_events_are_set_aside_and_the_next_one_applied(
    archives: ArchivesService, settings: Settings
) -> None:
    servers, school = settings.kafka_servers, archives.school
    await archives.found_school([("b1", "语文支部")])
    member = fresh("dl")
    await archives.register(member, "王芳", "b1")
    record = {
        "record_id": fresh("r-old"),
        "member_id": member,
        "branch_id": "b1",
        "category": "duty_performance",
        "channel": "self_declared",
        "occurred_on": "0001-01-01",
        "description": "公开课",
        "claimed_points": 5,
    }
    ancient = outside_envelope(
        "PerformanceRecorded",
        school=school,
        stream_id=f"{school}/record/{record['record_id']}",
        key=member,
        data=record,
    )
    junk = outside_envelope(
        "PerformanceRecorded",
        school=school,
        stream_id=f"{school}/record/{fresh('r-junk')}",
        key=member,
        data={"member_id": member, "occurred_on": "yesterday", "claimed_points": -1},
    )
    publish_raw(servers, ARCHIVES, member, [ancient.to_json(), junk.to_json(), NOT_JSON])
    await archives.record(member, record_id="r-good")  # waits until the read model has it

    archive = await archives.archive(member)
    # A record dated in year 1 is well-formed: the archive shows what the log holds (keeping
    # such dates out is the API's range check). The junk and the bytes are set aside.
    assert [r.record_id for r in archive.records] == [record["record_id"], "r-good"]
    assert await serving(archives)
    letters = dead_letters_about(servers, member, CONSUMER, 3, at_least=2)
    by_value = {letter.value: letter for letter in letters}
    assert len(letters) == 2 and set(by_value) == {junk.to_json(), NOT_JSON}
    assert by_value[junk.to_json()].headers["reason"].startswith("undecodable: ValidationError")
    assert by_value[junk.to_json()].headers["event_id"] == str(junk.event_id)
    assert by_value[NOT_JSON].headers["reason"].startswith("undecodable: ValidationError")
    for letter in letters:
        assert letter.headers["source_topic"] == ARCHIVES
        assert len(letter.headers["reason"]) <= 500
    assert await dead_lettered(archives) >= 2

    await archives.restart(drop_read_model=True)  # the whole log again: the same verdicts
    again = await rebuilt(archives, member, len(archive.records))
    assert [r.record_id for r in again.records] == [r.record_id for r in archive.records]
    assert await serving(archives)
    assert await dead_lettered(archives) >= 2
