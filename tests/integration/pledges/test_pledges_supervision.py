"""Supervision (监督) over the wire: anyone, without a token, reads a school's published
pledges and gives feedback; the branch verifies or dismisses it and only verified feedback
counts; the giver's contact never enters an event; abusive or oversized input is refused and
stored nowhere; each client is rate limited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
from pledges_kit import Caller, School, describe, failure, own_school

from kernel.broker import EmbeddedBroker
from kernel.envelope import Role
from kernel.grpc.client import field_of
from kernel.settings import Settings
from pledges.config import PledgesConfig
from vanguard.common.v1 import command_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONTACT = "家长 13800138000"
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def feedback(school: School, pledge_id: str, **fields: Any) -> pb.GiveFeedbackRequest:
    values: dict[str, Any] = {
        "school_id": school.id,
        "pledge_id": pledge_id,
        "rating": 5,
        "text": "王老师每周都上公开课,孩子很喜欢",
        "reviewer_kind": "parent",
        "options": command_pb2.CommandOptions(wait_visible=True),
    }
    values.update(fields)
    return pb.GiveFeedbackRequest(**values)


async def board(school: School, caller: Caller, **fields: Any) -> pb.PublicBoardReply:
    request = pb.PublicBoardRequest(school_id=school.id, page_size=500, **fields)
    reply: pb.PublicBoardReply = await school.call("PublicBoard", request, caller)
    return reply


async def test_the_public_board_shows_published_pledges_to_anyone(school: School) -> None:
    published = await school.published("m-zhao", lead="study", title="每月读一本教育专著")
    hidden = (await school.make("m-zhao")).id

    seen = {p.pledge_id: p for p in (await board(school, school.anonymous)).pledges}

    assert published in seen and hidden not in seen
    entry = seen[published]
    assert (entry.member_name, entry.branch_id, entry.lead, entry.status) == (
        "赵强",
        "b-maths",
        "study",
        "published",
    )
    by_lead = await board(school, school.anonymous, lead="study", branch_id="b-maths")
    assert published in {p.pledge_id for p in by_lead.pledges}
    other_branch = await board(school, school.anonymous, branch_id="b-chinese")
    assert published not in {p.pledge_id for p in other_branch.pledges}


async def test_the_board_is_paged(school: School) -> None:
    await school.published("m-li")
    await school.published("m-li")
    first = await school.call(
        "PublicBoard", pb.PublicBoardRequest(school_id=school.id, page_size=1), school.anonymous
    )
    second = await school.call(
        "PublicBoard",
        pb.PublicBoardRequest(school_id=school.id, page_size=1, page_token=first.next_page_token),
        school.anonymous,
    )
    assert len(first.pledges) == len(second.pledges) == 1
    assert first.pledges[0].pledge_id < second.pledges[0].pledge_id


async def test_a_public_token_reads_only_its_own_schools_board(school: School) -> None:
    stranger = school.caller(Role.PUBLIC, "parent-9", school=f"{school.id}-other")
    error = await failure(board(school, stranger))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED, describe(error)


async def test_feedback_counts_once_the_branch_verifies_it_and_its_contact_stays_out_of_events(
    school: School,
) -> None:
    pledge_id = await school.published("m-wang")
    given = await school.call(
        "GiveFeedback", feedback(school, pledge_id, contact=CONTACT), school.anonymous
    )
    dismissed = await school.call(
        "GiveFeedback",
        feedback(school, pledge_id, rating=1, text="上课总拖堂", reviewer_kind="student"),
        school.anonymous,
    )
    assert (await school.get(pledge_id)).feedback.pending == 2

    # The branch sees both, with the contact, and decides.
    listed = await school.call(
        "ListFeedback",
        pb.ListFeedbackRequest(school_id=school.id, pledge_id=pledge_id, status="pending"),
        school.chinese,
    )
    contacts = {f.feedback_id: f.contact for f in listed.feedback}
    assert contacts == {given.id: CONTACT, dismissed.id: ""}
    await school.command("VerifyFeedback", school.chinese, feedback_id=given.id, note="已核实")
    await school.command(
        "DismissFeedback", school.chinese, feedback_id=dismissed.id, reason="经核实不属实"
    )

    summary = (await school.get(pledge_id)).feedback
    assert (summary.verified, summary.pending, summary.average_rating) == (1, 0, 5.0)
    public = {p.pledge_id: p for p in (await board(school, school.anonymous)).pledges}
    assert public[pledge_id].feedback.verified == 1

    # Verified feedback is self-contained; no event anywhere holds the contact, and the
    # contact book forgot it once the feedback was decided.
    verified = school.events("feedback", given.id)
    assert [e.event_type for e in verified] == ["FeedbackGiven", "FeedbackVerified"]
    assert verified[1].data["rating"] == 5 and verified[1].data["reviewer_kind"] == "parent"
    assert {e.partition_key for e in verified} == {"m-wang"}
    assert verified[0].actor.role is Role.PUBLIC
    store = school.runtime.store
    assert store is not None
    assert not [e for e in store.read_all(0, 1_000_000) if "13800138000" in e.model_dump_json()]
    assert school.runtime.contact_book is not None
    assert school.runtime.contact_book.contact_of(school.id, given.id) == ""


async def test_feedback_is_given_on_published_pledges_by_others_than_the_member(
    school: School,
) -> None:
    unpublished = (await school.make("m-wang")).id
    published = await school.published("m-wang")

    early = await failure(
        school.call("GiveFeedback", feedback(school, unpublished), school.anonymous)
    )
    own = await failure(
        school.call("GiveFeedback", feedback(school, published), school.member("m-wang"))
    )
    colleague = await school.call(
        "GiveFeedback",
        feedback(school, published, reviewer_kind="colleague"),
        school.member("m-li"),
    )

    assert (early.code(), field_of(early)) == (grpc.StatusCode.FAILED_PRECONDITION, "pledge_id")
    assert own.code() == grpc.StatusCode.PERMISSION_DENIED
    for caller in (school.secretary("b-maths"), school.member("m-zhao"), school.anonymous):
        error = await failure(school.command("VerifyFeedback", caller, feedback_id=colleague.id))
        assert error.code() in (
            grpc.StatusCode.PERMISSION_DENIED,
            grpc.StatusCode.UNAUTHENTICATED,
        ), f"{caller.name}: {describe(error)}"
    await school.command("VerifyFeedback", school.committee, feedback_id=colleague.id)
    again = await failure(
        school.command("DismissFeedback", school.chinese, feedback_id=colleague.id, reason="x")
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_repeated_feedback_with_its_key_is_the_same_feedback_and_one_event(
    school: School,
) -> None:
    # A repeat decides anew (a new feedback id) and the store refuses its key: the answer is
    # the original feedback, and nothing of the repeat is written.
    pledge_id = await school.published("m-wang")
    colleague = school.member("m-zhao")  # a rate bucket of their own
    options = command_pb2.CommandOptions(idempotency_key="feedback-key-1", wait_visible=True)
    request = feedback(school, pledge_id, contact=CONTACT, options=options)

    first = await school.call("GiveFeedback", request, colleague)
    head = await school.head()
    again = await school.call("GiveFeedback", request, colleague)

    assert (again.id, again.stream_id, again.stream_version) == (
        first.id,
        first.stream_id,
        first.stream_version,
    )
    assert again.replayed and not first.replayed
    assert await school.head() == head
    assert (await school.get(pledge_id)).feedback.pending == 1
    other = await failure(
        school.call(
            "GiveFeedback", feedback(school, pledge_id, rating=1, options=options), colleague
        )
    )
    assert (other.code(), field_of(other)) == (INVALID, "idempotency_key")
    assert await school.head() == head


ABUSIVE = [
    ("text over 2,000 characters", {"text": "好" * 2001}, "text"),
    ("a control character", {"text": "好老师\x1b[2J"}, "text"),
    ("a right-to-left override", {"text": "好老师\u202e"}, "text"),
    ("a blocked word", {"text": "这个老师就是个傻逼"}, "text"),
    ("a blocked word in the contact", {"contact": "fuck you"}, "contact"),
    ("an overlong contact", {"contact": "1" * 201}, "contact"),
    ("a rating of 0", {"rating": 0}, "rating"),
    ("a rating of 6", {"rating": 6}, "rating"),
    ("an unknown reviewer", {"reviewer_kind": "robot"}, "reviewer_kind"),
    ("a malformed school id", {"school_id": "../etc"}, "school_id"),
]


@pytest.mark.parametrize(("what", "fields", "field"), ABUSIVE, ids=[a[0] for a in ABUSIVE])
async def test_oversized_or_abusive_feedback_is_refused_and_stored_nowhere(
    school: School, what: str, fields: dict[str, Any], field: str
) -> None:
    pledge_id = await school.published("m-li")
    head = await school.head()
    caller = school.caller(Role.PUBLIC, f"visitor-{what}")  # a bucket of its own

    error = await failure(
        school.call("GiveFeedback", feedback(school, pledge_id, **fields), caller)
    )

    assert (error.code(), field_of(error)) == (INVALID, field), describe(error)
    assert await school.head() == head
    assert (await school.get(pledge_id)).feedback.pending == 0


async def test_a_message_beyond_the_servers_limit_is_refused_by_grpc_itself(school: School) -> None:
    huge = feedback(school, "p-any", text="好" * 2_000_000)  # ~6 MB, over gRPC's 4 MB
    error = await failure(school.call("GiveFeedback", huge, school.anonymous))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, describe(error)


TIGHT = PledgesConfig(feedback_burst=3, feedback_per_minute=1, board_burst=4, board_per_second=0.1)


@pytest_asyncio.fixture(loop_scope="module")
async def tight(suite_settings: Settings, own_broker: EmbeddedBroker) -> AsyncIterator[School]:
    """A school whose pledges service allows 3 feedback and 4 board pages per client."""
    async with own_school(suite_settings, own_broker, TIGHT) as school:
        yield school


async def test_each_client_is_rate_limited_on_its_own(tight: School) -> None:
    school = tight
    pledge_id = await school.published("m-wang")
    for _ in range(3):
        await school.call("GiveFeedback", feedback(school, pledge_id), school.anonymous)
    head = await school.head()

    limited = await failure(
        school.call("GiveFeedback", feedback(school, pledge_id), school.anonymous)
    )

    assert limited.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, describe(limited)
    trailers: list[tuple[str, str]] = list(limited.trailing_metadata() or ())  # type: ignore[arg-type]
    retry_after = dict(trailers)["retry-after-ms"]
    assert 0 < int(retry_after) <= 60_000
    assert await school.head() == head
    # Another client (a parent signed in) has a bucket of its own.
    parent = school.caller(Role.PUBLIC, "parent-1")
    await school.call("GiveFeedback", feedback(school, pledge_id), parent)

    for _ in range(4):
        await board(school, school.anonymous)
    board_limited = await failure(board(school, school.anonymous))
    assert board_limited.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert len((await board(school, parent)).pledges) == 1
