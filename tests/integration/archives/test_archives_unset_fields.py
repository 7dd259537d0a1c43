"""Every word and number an archives command needs, left unset, is refused naming it.

The fields are found in the protos (`unit.test_unset_fields`): for each one, the command's
valid request below is sent with that field cleared, and must end in INVALID_ARGUMENT naming
the field, writing nothing. Then every request is sent whole, and is accepted: what was refused
was the field left out.
"""

from __future__ import annotations

from typing import Any

import grpc
from archives_kit import (
    VISIBLE,
    ArchivesService,
    Caller,
    describe,
    scores,
    this_month,
    today,
)
from unit.test_unset_fields import SERVICES, cleared, needed

from kernel.grpc.client import field_of
from vanguard.archives.v1 import archives_pb2 as pb


def valid_requests(archives: ArchivesService, appeal_id: str) -> dict[str, tuple[Any, Caller]]:
    """One valid request per command that takes a word or a number, and who sends it."""
    s, committee, member = archives.school, archives.committee, archives.member("m-1")
    return {
        "RegisterMember": (
            pb.RegisterMemberRequest(
                school_id=s,
                member_id="m-new",
                name="新党员",
                branch_id="b-a",
                roles=["teacher"],
                joined_party_on="2012-07-01",
            ),
            committee,
        ),
        "RecordPerformance": (
            pb.RecordPerformanceRequest(
                school_id=s,
                member_id="m-1",
                category="study_training",
                channel="self_declared",
                occurred_on=today().isoformat(),
                description="自学党史",
                claimed_points=0,
            ),
            member,
        ),
        "VerifyRecord": (
            pb.VerifyRecordRequest(school_id=s, record_id="r-pending", awarded_points=0),
            committee,
        ),
        "CorrectRecord": (
            pb.CorrectRecordRequest(
                school_id=s, record_id="r-verified", awarded_points=0, reason="更正"
            ),
            committee,
        ),
        "EstablishModelPost": (
            pb.EstablishModelPostRequest(school_id=s, name="党员职工示范岗", kind="staff"),
            committee,
        ),
        "ReviewModelPost": (
            pb.ReviewModelPostRequest(
                school_id=s, post_id="p-1", member_id="m-1", period=this_month(), score=0
            ),
            committee,
        ),
        "SubmitAssessment": (
            pb.SubmitAssessmentRequest(
                school_id=s,
                member_id="m-1",
                period=this_month(),
                tier="self",
                scores=scores(0, 0, 0, 0),  # every lead stated, each a valid 0
            ),
            member,
        ),
        "FileAppeal": (
            pb.FileAppealRequest(
                school_id=s,
                member_id="m-1",
                subject="record",
                subject_id="r-verified",
                reason="请复核",
            ),
            member,
        ),
        "ResolveAppeal": (
            pb.ResolveAppealRequest(
                school_id=s, appeal_id=appeal_id, outcome="dismissed", reason="维持"
            ),
            committee,
        ),
    }


async def set_up(archives: ArchivesService) -> str:
    """Member m-1 of b-a with a pending and a verified record, holding post p-1, with an open
    appeal; returns the appeal's id."""
    s, committee = archives.school, archives.committee
    await archives.found_school((("b-a", "语文支部"),))
    await archives.register("m-1", "王小明", "b-a")
    await archives.record("m-1", record_id="r-pending")
    await archives.record("m-1", record_id="r-verified")
    await archives.verify("r-verified", 5)
    for method, request in (
        (
            "EstablishModelPost",
            pb.EstablishModelPostRequest(
                school_id=s, post_id="p-1", name="示范岗", kind="staff", options=VISIBLE
            ),
        ),
        (
            "AssignMemberToPost",
            pb.AssignMemberToPostRequest(
                school_id=s,
                post_id="p-1",
                member_id="m-1",
                assigned_on=today().isoformat(),
                options=VISIBLE,
            ),
        ),
    ):
        await archives.call(method, request, committee)
    appeal = pb.FileAppealRequest(
        school_id=s,
        member_id="m-1",
        subject="record",
        subject_id="r-verified",
        reason="偏低",
        options=VISIBLE,
    )
    return str((await archives.call("FileAppeal", appeal, archives.member("m-1"))).id)


async def test_every_word_and_number_a_command_needs_is_refused_when_unset(
    archives: ArchivesService,
) -> None:
    requests = valid_requests(archives, await set_up(archives))
    fields = needed(SERVICES["archives"])
    untested = sorted({n.method for n in fields} - set(requests))
    assert not untested, f"commands with fields to clear but no valid request here: {untested}"

    wrong: list[str] = []
    for field in fields:
        request, caller = requests[field.method]
        head = await archives.head()
        try:
            await archives.call(field.method, cleared(request, field.path), caller)
            wrong.append(f"{field.method} without {field.path}: accepted")
        except grpc.aio.AioRpcError as error:
            if (error.code(), field_of(error)) != (grpc.StatusCode.INVALID_ARGUMENT, field.path):
                wrong.append(f"{field.method} without {field.path}: {describe(error)}")
        if await archives.head() != head:
            wrong.append(f"{field.method} without {field.path}: the store head moved")
    assert not wrong, "unset fields not refused as missing:\n" + "\n".join(wrong)

    for method, (request, caller) in requests.items():
        await archives.call(method, request, caller)  # whole, each is accepted
