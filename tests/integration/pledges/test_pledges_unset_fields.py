"""Every word and number a pledges command needs, left unset, is refused naming it.

The fields are found in the protos (`unit.test_unset_fields`): for each one, the command's
valid request below is sent with that field cleared, and must end in INVALID_ARGUMENT naming
the field, writing nothing. Then every request is sent whole, and is accepted: what was refused
was the field left out.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pledges_kit import VISIBLE, Caller, School, describe, progress, targets
from unit.test_unset_fields import SERVICES, cleared, needed

from kernel.grpc.client import field_of
from vanguard.pledges.v1 import pledges_pb2 as pb

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def valid_requests(school: School) -> dict[str, tuple[Any, Caller]]:
    """One valid request per command that takes a word or a number, each on a pledge in the
    state the command needs, and who sends it."""
    s, wang, secretary = school.id, school.member("m-wang"), school.chinese
    returned = (await school.make("m-wang")).id
    await school.command("ReturnPledge", secretary, pledge_id=returned, reason="目标不具体")
    published, reported = await school.published("m-wang"), await school.reported((1, 50))
    to_close, to_rate = await school.published("m-wang"), await school.published("m-wang")
    return {
        "MakePledge": (school.make_request("m-wang"), wang),
        "RevisePledge": (
            pb.RevisePledgeRequest(
                school_id=s,
                pledge_id=returned,
                lead="study",
                title="每周读一本书",
                targets=targets(),
                options=VISIBLE,
            ),
            wang,
        ),
        "ReportFulfilment": (
            pb.ReportFulfilmentRequest(
                school_id=s,
                pledge_id=published,
                progress=progress((1, 0)),  # a stated 0%: nothing done yet
                narrative="刚开始",
                options=VISIBLE,
            ),
            wang,
        ),
        "VerifyFulfilment": (
            pb.VerifyFulfilmentRequest(
                school_id=s,
                pledge_id=reported,
                report_id="r1",
                verdict="partially_accepted",
                accepted_progress=progress((1, 0)),
                note="证据待补",
                options=VISIBLE,
            ),
            secretary,
        ),
        "ClosePledge": (
            pb.ClosePledgeRequest(
                school_id=s,
                pledge_id=to_close,
                outcome="unfulfilled",
                rectification="补上公开课",
                options=VISIBLE,
            ),
            secretary,
        ),
        "GiveFeedback": (
            pb.GiveFeedbackRequest(
                school_id=s, pledge_id=to_rate, rating=4, reviewer_kind="parent", options=VISIBLE
            ),
            school.anonymous,
        ),
    }


async def test_every_word_and_number_a_command_needs_is_refused_when_unset(
    school: School,
) -> None:
    requests = await valid_requests(school)
    fields = needed(SERVICES["pledges"])
    untested = sorted({n.method for n in fields} - set(requests))
    assert not untested, f"commands with fields to clear but no valid request here: {untested}"

    wrong: list[str] = []
    for field in fields:
        request, caller = requests[field.method]
        head = await school.head()
        try:
            await school.call(field.method, cleared(request, field.path), caller)
            wrong.append(f"{field.method} without {field.path}: accepted")
        except grpc.aio.AioRpcError as error:
            if (error.code(), field_of(error)) != (grpc.StatusCode.INVALID_ARGUMENT, field.path):
                wrong.append(f"{field.method} without {field.path}: {describe(error)}")
        if await school.head() != head:
            wrong.append(f"{field.method} without {field.path}: the store head moved")
    assert not wrong, "unset fields not refused as missing:\n" + "\n".join(wrong)

    for method, (request, caller) in requests.items():
        await school.call(method, request, caller)  # whole, each is accepted
