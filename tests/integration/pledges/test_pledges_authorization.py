"""Who may do what (docs/design.md#security), role by role: the member their own pledges, a
secretary their branch's (never their own), the committee the whole school, nobody another
school's, and nobody without a token but on the public methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from pledges_kit import Caller, School, describe, failure, progress, targets

from kernel.envelope import Role
from vanguard.pledges.v1 import pledges_pb2 as pb

pytestmark = pytest.mark.asyncio(loop_scope="module")

DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
EVERYONE = (
    "own member",
    "branch colleague",
    "own secretary",
    "other secretary",
    "committee",
    "other school's committee",
    "same id in another school",
    "public",
    "anonymous",
)
MEMBER_ONLY = ("own member",)
BRANCH_LEADERS = ("own secretary", "committee")


def callers(school: School) -> dict[str, Caller]:
    """Everyone who might try, about a pledge of m-wang (branch b-chinese)."""
    other = f"{school.id}-other"
    return {
        "own member": school.member("m-wang"),
        "branch colleague": school.member("m-li"),
        "own secretary": school.chinese,
        "other secretary": school.secretary("b-maths"),
        "committee": school.committee,
        "other school's committee": school.caller(Role.COMMITTEE, "committee-1", school=other),
        "same id in another school": school.caller(Role.MEMBER, "m-wang", school=other),
        "public": school.caller(Role.PUBLIC, "parent-1"),
        "anonymous": school.anonymous,
    }


@dataclass(frozen=True)
class Rule:
    method: str
    state: str  # what the pledge must have come to for the command to be legal
    allowed: tuple[str, ...]
    fields: dict[str, Any]


RULES = [
    Rule("ApprovePledge", "made", BRANCH_LEADERS, {}),
    Rule("ReturnPledge", "made", BRANCH_LEADERS, {"reason": "再具体些"}),
    Rule("WithdrawPledge", "made", MEMBER_ONLY, {}),
    Rule(
        "RevisePledge",
        "returned",
        MEMBER_ONLY,
        {"lead": "study", "title": "读书", "targets": targets(14)},
    ),
    Rule("ResubmitPledge", "revised", MEMBER_ONLY, {}),
    Rule("PublishPledge", "approved", BRANCH_LEADERS, {}),
    Rule(
        "ReportFulfilment",
        "published",
        MEMBER_ONLY,
        {"progress": progress((1, 30)), "narrative": "进展"},
    ),
    Rule(
        "VerifyFulfilment", "reported", BRANCH_LEADERS, {"report_id": "r1", "verdict": "accepted"}
    ),
    Rule(
        "ClosePledge",
        "published",
        BRANCH_LEADERS,
        {"outcome": "unfulfilled", "rectification": "补课"},
    ),
    Rule("ReportRectification", "rectification required", MEMBER_ONLY, {"narrative": "补了"}),
    Rule("CompleteRectification", "rectification reported", BRANCH_LEADERS, {}),
]


async def pledge_in(school: School, state: str) -> str:
    """A pledge of m-wang brought to `state` by the people allowed to."""
    wang, secretary = school.member("m-wang"), school.chinese
    plans: dict[str, list[tuple[str, Caller, dict[str, Any]]]] = {
        "made": [],
        "returned": [("ReturnPledge", secretary, {"reason": "再具体些"})],
        "revised": [
            ("ReturnPledge", secretary, {"reason": "再具体些"}),
            ("RevisePledge", wang, {"lead": "work", "title": "改", "targets": targets(7)}),
        ],
        "approved": [("ApprovePledge", secretary, {})],
    }
    steps = plans.get(state, [])
    if steps or state == "made":
        pledge_id = (await school.make("m-wang")).id
    elif state == "reported":
        return await school.reported((1, 40))
    else:
        pledge_id = await school.published("m-wang")
        if state.startswith("rectification"):
            steps.append(
                ("ClosePledge", secretary, {"outcome": "unfulfilled", "rectification": "补课"})
            )
        if state == "rectification reported":
            steps.append(("ReportRectification", wang, {"narrative": "补了"}))
    for method, caller, fields in steps:
        await school.command(method, caller, pledge_id=pledge_id, **fields)
    return pledge_id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.method)
async def test_each_command_is_for_its_own_people_only(school: School, rule: Rule) -> None:
    who = callers(school)
    pledge_id = await pledge_in(school, rule.state)
    before = school.events("pledge", pledge_id)

    for name in EVERYONE:
        if name in rule.allowed:
            continue
        error = await failure(
            school.command(rule.method, who[name], pledge_id=pledge_id, **rule.fields)
        )
        expected = UNAUTHENTICATED if name == "anonymous" else DENIED
        assert error.code() == expected, f"{rule.method} by {name}: {describe(error)}"
    assert school.events("pledge", pledge_id) == before

    for name in rule.allowed:
        fresh_pledge = pledge_id if name == rule.allowed[0] else await pledge_in(school, rule.state)
        reply = await school.command(rule.method, who[name], pledge_id=fresh_pledge, **rule.fields)
        assert reply.stream_version > 0, f"{rule.method} by {name}"


async def test_a_pledge_is_made_by_its_member_their_secretary_or_the_committee(
    school: School,
) -> None:
    who = callers(school)
    for name in ("own member", "own secretary", "committee"):
        reply = await school.make("m-wang", caller=who[name])
        assert (await school.get(reply.id)).member_id == "m-wang", name
    head = await school.head()
    for name in ("branch colleague", "other secretary", "public", "other school's committee"):
        error = await failure(school.make("m-wang", caller=who[name]))
        assert error.code() == DENIED, f"{name}: {describe(error)}"
    assert await school.head() == head


async def test_a_secretary_never_checks_their_own_pledge_but_the_committee_may(
    school: School,
) -> None:
    own = (await school.make("m-chen")).id  # m-chen is the secretary of b-chinese

    error = await failure(school.command("ApprovePledge", school.chinese, pledge_id=own))

    assert error.code() == DENIED, describe(error)
    await school.command("ApprovePledge", school.committee, pledge_id=own)


async def test_reading_a_pledge_follows_the_same_lines(school: School) -> None:
    who = callers(school)
    pledge_id = (await school.make("m-wang")).id
    readers = ("own member", "own secretary", "committee")

    for name in EVERYONE:
        request = pb.GetPledgeRequest(school_id=school.id, pledge_id=pledge_id)
        if name in readers:
            assert (await school.call("GetPledge", request, who[name])).pledge_id == pledge_id
            continue
        error = await failure(school.call("GetPledge", request, who[name]))
        expected = UNAUTHENTICATED if name == "anonymous" else DENIED
        assert error.code() == expected, f"GetPledge by {name}: {describe(error)}"


async def test_lists_show_a_member_their_own_and_a_secretary_their_branch(
    school: School,
) -> None:
    wangs = (await school.make("m-wang")).id
    lis = (await school.make("m-li")).id
    zhaos = (await school.make("m-zhao")).id

    async def listed(caller: Caller, **filters: Any) -> set[str]:
        reply = await school.call(
            "ListPledges",
            pb.ListPledgesRequest(school_id=school.id, page_size=500, **filters),
            caller,
        )
        return {p.pledge_id for p in reply.pledges}

    mine = await listed(school.member("m-wang"))
    assert wangs in mine and not {lis, zhaos} & mine
    branch = await listed(school.chinese)
    assert {wangs, lis} <= branch and zhaos not in branch
    assert {wangs, lis, zhaos} <= await listed(school.committee)
    assert await listed(school.committee, member_id="m-zhao", pdca_stage="plan") >= {zhaos}

    nosy = await failure(listed(school.member("m-wang"), member_id="m-li"))
    other_branch = await failure(listed(school.chinese, branch_id="b-maths"))
    public = await failure(listed(school.caller(Role.PUBLIC, "parent-1")))
    assert [e.code() for e in (nosy, other_branch, public)] == [DENIED] * 3
