"""The rules hold over the wire: every illegal transition is FAILED_PRECONDITION and writes
nothing; a stale writer is ABORTED; a repeated command returns its original result; a bad
input is INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from pledges_kit import (
    TODAY,
    Caller,
    School,
    describe,
    event_types,
    failure,
    fresh,
    progress,
    targets,
)

from kernel.grpc.client import field_of
from vanguard.common.v1 import command_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb

pytestmark = pytest.mark.asyncio(loop_scope="module")

PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
INVALID = grpc.StatusCode.INVALID_ARGUMENT
HUGE = "x" * 10_000
DETAILS_MAX = 600  # an error quotes a bounded prefix of what was sent, never all of it
KEY_ON_TWO_LINES = command_pb2.CommandOptions(idempotency_key="key\nkey", wait_visible=True)


@dataclass(frozen=True)
class Illegal:
    what: str
    state: str  # how far the pledge has come: made, published, reported, closed, withdrawn
    method: str
    by: str  # member, secretary
    fields: dict[str, Any]


REPORT = {"progress": progress((1, 50)), "narrative": "进展"}
ILLEGAL = [
    Illegal(
        "verify before publication",
        "made",
        "VerifyFulfilment",
        "secretary",
        {"report_id": "r1", "verdict": "accepted"},
    ),
    Illegal("publish before approval", "made", "PublishPledge", "secretary", {}),
    Illegal("report before publication", "made", "ReportFulfilment", "member", REPORT),
    Illegal(
        "close before publication",
        "made",
        "ClosePledge",
        "secretary",
        {"outcome": "unfulfilled", "rectification": "补"},
    ),
    Illegal("resubmit what was never returned", "made", "ResubmitPledge", "member", {}),
    Illegal("withdraw after publication", "published", "WithdrawPledge", "member", {}),
    Illegal("approve twice", "published", "ApprovePledge", "secretary", {}),
    Illegal(
        "complete a rectification never required",
        "published",
        "CompleteRectification",
        "secretary",
        {},
    ),
    Illegal(
        "report while a report awaits verification",
        "reported",
        "ReportFulfilment",
        "member",
        REPORT,
    ),
    Illegal(
        "close while a report awaits verification",
        "reported",
        "ClosePledge",
        "secretary",
        {"outcome": "partially_fulfilled", "rectification": "补"},
    ),
    Illegal(
        "close as fulfilled without verified progress",
        "published",
        "ClosePledge",
        "secretary",
        {"outcome": "fulfilled"},
    ),
    Illegal("report on a closed pledge", "closed", "ReportFulfilment", "member", REPORT),
    Illegal("publish a withdrawn pledge", "withdrawn", "PublishPledge", "secretary", {}),
    Illegal(
        "complete a rectification not yet reported",
        "closed",
        "CompleteRectification",
        "secretary",
        {},
    ),
]


async def pledge_in(school: School, state: str) -> str:
    if state == "made":
        return (await school.make("m-wang")).id
    if state == "withdrawn":
        pledge_id = (await school.make("m-wang")).id
        await school.command("WithdrawPledge", school.member("m-wang"), pledge_id=pledge_id)
        return pledge_id
    if state == "reported":
        return await school.reported((1, 50))
    pledge_id = await school.published("m-wang")
    if state == "closed":
        await school.command(
            "ClosePledge",
            school.chinese,
            pledge_id=pledge_id,
            outcome="unfulfilled",
            rectification="补上公开课",
        )
    return pledge_id


@pytest.mark.parametrize("illegal", ILLEGAL, ids=lambda i: i.what)
async def test_an_illegal_transition_is_refused_and_writes_nothing(
    school: School, illegal: Illegal
) -> None:
    pledge_id = await pledge_in(school, illegal.state)
    caller = school.member("m-wang") if illegal.by == "member" else school.chinese
    before, head = school.events("pledge", pledge_id), await school.head()

    error = await failure(
        school.command(illegal.method, caller, pledge_id=pledge_id, **illegal.fields)
    )

    assert error.code() == PRECONDITION, describe(error)
    assert field_of(error) in ("pledge_id", "report_id", "outcome"), describe(error)
    assert school.events("pledge", pledge_id) == before
    assert await school.head() == head


async def test_two_secretaries_verifying_one_report_at_once_one_wins_the_other_is_aborted(
    school: School,
) -> None:
    pledge_id = await school.reported((1, 80))
    version = (await school.get(pledge_id)).version
    deputy = school.caller(
        school.chinese.role, "deputy-chinese", branch="b-chinese", name="deputy secretary"
    )

    def verify(caller: Any, verdict: str) -> Awaitable[Any]:
        return school.command(
            "VerifyFulfilment",
            caller,
            pledge_id=pledge_id,
            report_id="r1",
            verdict=verdict,
            note="核实",
            expected_version=version,
        )

    outcomes = await asyncio.gather(
        verify(school.chinese, "accepted"), verify(deputy, "rejected"), return_exceptions=True
    )

    errors = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(errors) == 1, outcomes
    assert errors[0].code() == grpc.StatusCode.ABORTED, describe(errors[0])
    assert field_of(errors[0]) == "expected_version"
    envelopes = school.events("pledge", pledge_id)
    assert event_types(envelopes).count("FulfilmentVerified") == 1
    assert len(envelopes) == version + 1


async def test_a_repeated_make_pledge_with_the_same_key_is_the_same_pledge_and_one_event(
    school: School,
) -> None:
    key = fresh("make-key")
    options = command_pb2.CommandOptions(idempotency_key=key, wait_visible=True)

    first = await school.make("m-li", options=options)
    head = await school.head()
    again = await school.make("m-li", options=options)

    assert (again.id, again.stream_version, again.replayed) == (first.id, 1, True)
    assert not first.replayed
    assert await school.head() == head
    listed = await school.call(
        "ListPledges", pb.ListPledgesRequest(school_id=school.id), school.member("m-li")
    )
    assert [p.pledge_id for p in listed.pledges].count(first.id) == 1

    other = await failure(school.make("m-li", title="另一个承诺", options=options))
    assert (other.code(), field_of(other)) == (INVALID, "idempotency_key")


async def test_a_repeated_verification_with_its_key_answers_the_original(school: School) -> None:
    pledge_id = await school.reported((1, 80))
    options = command_pb2.CommandOptions(idempotency_key=fresh("verify-key"))

    first = await school.command(
        "VerifyFulfilment",
        school.chinese,
        pledge_id=pledge_id,
        report_id="r1",
        verdict="accepted",
        options=options,
    )
    again = await school.command(
        "VerifyFulfilment",
        school.chinese,
        pledge_id=pledge_id,
        report_id="r1",
        verdict="accepted",
        options=options,
    )

    assert (again.stream_version, again.replayed) == (first.stream_version, True)


Request = Callable[[School], pb.MakePledgeRequest]
BAD_PLEDGES: list[tuple[str, dict[str, Any], str]] = [
    ("no targets", {"targets": []}, "targets"),
    ("eleven targets", {"targets": targets(*range(1, 12))}, "targets"),
    (
        "a target due outside the period",
        {"targets": [pb.TargetSpec(description="x", due_on=f"{TODAY.year + 2}-01-01")]},
        "targets[0].due_on",
    ),
    (
        "a target due yesterday",
        {
            "targets": [
                pb.TargetSpec(
                    description="x", due_on=(TODAY.fromordinal(TODAY.toordinal() - 1)).isoformat()
                )
            ]
        },
        "targets[0].due_on",
    ),
    (
        "a malformed due date",
        {"targets": [pb.TargetSpec(description="x", due_on="明天")]},
        "targets[0].due_on",
    ),
    (
        "an empty target",
        {"targets": [pb.TargetSpec(description=" ", due_on=TODAY.isoformat())]},
        "targets[0].description",
    ),
    ("an unknown lead", {"lead": "leisure"}, "lead"),
    ("a malformed period", {"period": "2026-H2"}, "period"),
    ("an empty title", {"title": ""}, "title"),
    ("an overlong title", {"title": "长" * 101}, "title"),
    ("a control character", {"description": "好\x07"}, "description"),
    ("a malformed member id", {"member_id": "王/小明"}, "member_id"),
    # Outside the stated ranges and rules (docs/architecture.md, "Input boundaries").
    ("a period in year 0", {"period": "0000-01"}, "period"),
    ("a quarter in 9999", {"period": "9999-Q4"}, "period"),
    ("an academic year 9999", {"period": "AY9999"}, "period"),
    ("a period of 10,000 characters", {"period": HUGE}, "period"),
    (
        "a target due in 9999",
        {"targets": [pb.TargetSpec(description="x", due_on="9999-12-31")]},
        "targets[0].due_on",
    ),
    (
        "a target due in year 1",
        {"targets": [pb.TargetSpec(description="x", due_on="0001-01-01")]},
        "targets[0].due_on",
    ),
    ("a title with a right-to-left override", {"title": "公开课\u202e"}, "title"),
    ("a title on two lines", {"title": "每周\n公开课"}, "title"),
    ("a description with a NUL", {"description": "好\x00"}, "description"),
    ("a member id ending in a newline", {"member_id": "m-wang\n"}, "member_id"),
    ("a member id of 10,000 characters", {"member_id": HUGE}, "member_id"),
    ("an idempotency key on two lines", {"options": KEY_ON_TWO_LINES}, "idempotency_key"),
]


@pytest.mark.parametrize(("what", "fields", "field"), BAD_PLEDGES, ids=[b[0] for b in BAD_PLEDGES])
async def test_a_bad_pledge_is_invalid_naming_the_field_and_writes_nothing(
    school: School, what: str, fields: dict[str, Any], field: str
) -> None:
    head = await school.head()
    caller = school.committee  # the committee may pledge for anyone: only the input is wrong
    error = await failure(school.call("MakePledge", school.make_request(**fields), caller))
    assert (error.code(), field_of(error)) == (INVALID, field), describe(error)[:300]
    assert len(error.details() or "") <= DETAILS_MAX
    assert await school.head() == head


async def test_bad_reports_and_verdicts_name_their_fields(school: School) -> None:
    pledge_id = await school.published("m-wang")
    wang = school.member("m-wang")
    cases: list[tuple[str, Caller, dict[str, Any], str]] = [
        (
            "ReportFulfilment",
            wang,
            {"progress": progress((3, 10)), "narrative": "x"},
            "progress[0].target",
        ),
        (
            "ReportFulfilment",
            wang,
            {"progress": progress((1, 101)), "narrative": "x"},
            "progress[0].percent",
        ),
        ("ReportFulfilment", wang, {"progress": [], "narrative": "x"}, "progress"),
        ("ReportFulfilment", wang, {"progress": progress((1, 10)), "narrative": ""}, "narrative"),
        (
            "ReportFulfilment",
            wang,
            {"progress": progress((1, 10)), "narrative": "x", "evidence": ["doc"] * 21},
            "evidence",
        ),
        ("ClosePledge", school.chinese, {"outcome": "unfulfilled"}, "rectification"),
        ("ClosePledge", school.chinese, {"outcome": "great"}, "outcome"),
        ("ApprovePledge", school.chinese, {"expected_version": 99}, "expected_version"),
    ]
    head = await school.head()
    for method, caller, fields, field in cases:
        error = await failure(school.command(method, caller, pledge_id=pledge_id, **fields))
        assert field_of(error) == field, (method, describe(error))
    assert await school.head() == head


async def test_an_unknown_pledge_is_not_found(school: School) -> None:
    error = await failure(
        school.command("ApprovePledge", school.chinese, pledge_id="p-does-not-exist")
    )
    assert (error.code(), field_of(error)) == (grpc.StatusCode.NOT_FOUND, "pledge_id")


def bad_queries(school: School) -> list[tuple[str, str, Any, str]]:
    """Query filters and ids outside the rules: INVALID_ARGUMENT naming the field, never a
    reply too large to carry the whole value back."""
    s = school.id
    return [
        ("GetPledge", "pledge_id", pb.GetPledgeRequest(school_id=s, pledge_id=HUGE), "huge"),
        ("GetPledge", "pledge_id", pb.GetPledgeRequest(school_id=s, pledge_id="p-1\n"), "newline"),
        ("ListPledges", "member_id", pb.ListPledgesRequest(school_id=s, member_id="m\n"), "nl"),
        ("ListPledges", "branch_id", pb.ListPledgesRequest(school_id=s, branch_id=HUGE), "huge"),
        ("ListPledges", "period", pb.ListPledgesRequest(school_id=s, period="AY9999"), "9999"),
        ("ListPledges", "period", pb.ListPledgesRequest(school_id=s, period="0000-01"), "0000"),
        ("ListPledges", "status", pb.ListPledgesRequest(school_id=s, status="lost"), "status"),
        ("ListPledges", "pdca_stage", pb.ListPledgesRequest(school_id=s, pdca_stage="x"), "x"),
        ("ListFeedback", "pledge_id", pb.ListFeedbackRequest(school_id=s, pledge_id=HUGE), "huge"),
        ("ListFeedback", "status", pb.ListFeedbackRequest(school_id=s, status="?"), "status"),
        ("PublicBoard", "school_id", pb.PublicBoardRequest(school_id=HUGE), "huge school"),
        ("PublicBoard", "branch_id", pb.PublicBoardRequest(school_id=s, branch_id="b\n"), "nl"),
    ]


async def test_bad_query_ids_and_filters_are_invalid_naming_the_field(school: School) -> None:
    wrong = []
    for method, field, request, what in bad_queries(school):
        error = await failure(school.call(method, request, school.committee))
        if (error.code(), field_of(error)) != (INVALID, field):
            wrong.append(f"{method} {what}: {describe(error)[:300]}")
        if len(error.details() or "") > DETAILS_MAX:
            wrong.append(f"{method} {what}: the error quotes {len(error.details())} characters")
    assert not wrong, "\n".join(wrong)


async def test_bad_texts_in_reports_and_verdicts_write_nothing(school: School) -> None:
    pledge_id = await school.published("m-wang")
    wang = school.member("m-wang")
    cases: list[tuple[str, Caller, dict[str, Any], str]] = [
        (
            "ReportFulfilment",
            wang,
            {"progress": progress((1, 10)), "narrative": "\u202e"},
            "narrative",
        ),
        (
            "ReportFulfilment",
            wang,
            {"progress": progress((1, 10)), "narrative": "x", "evidence": ["doc\n1"]},
            "evidence[0]",
        ),
        (
            "VerifyFulfilment",
            school.chinese,
            {"report_id": HUGE, "verdict": "accepted"},
            "report_id",
        ),
        ("WithdrawPledge", wang, {"reason": "走\x1b了"}, "reason"),
    ]
    head = await school.head()
    for method, caller, fields, field in cases:
        error = await failure(school.command(method, caller, pledge_id=pledge_id, **fields))
        assert (error.code(), field_of(error)) == (INVALID, field), (method, describe(error)[:300])
    assert await school.head() == head


# Bytes that are no message: a truncated varint, wire type 7, a string that is not UTF-8.
GARBAGE = (b"\xff\xff\xff\xff", b"\x0f", b"\x0a\x02\xff\xfe")


async def test_undecodable_bytes_are_invalid_argument_without_internal_names(
    school: School,
) -> None:
    channel = school.pledges.channel
    head = await school.head()
    wrong = []
    for method, caller in (("MakePledge", school.committee), ("PublicBoard", school.anonymous)):
        call = channel.unary_unary(f"/vanguard.pledges.v1.PledgeService/{method}")
        for garbage in GARBAGE:
            error = await failure(call(garbage, metadata=caller.metadata, timeout=10))
            details = error.details() or ""
            if error.code() != INVALID or "Error" in details or "protobuf" in details:
                wrong.append(f"{method} {garbage!r}: {describe(error)}")
    assert not wrong, "\n".join(wrong)
    assert await school.head() == head
