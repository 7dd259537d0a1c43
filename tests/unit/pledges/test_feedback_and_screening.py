"""Supervision feedback: given on published pledges only, decided once by someone other than
the member; public text is screened; the rate limiter refills with its clock."""

from __future__ import annotations

import pytest

from contracts.pledges import FeedbackGiven, FeedbackVerified
from contracts.vocabulary import ReviewerKind
from kernel.auth import Principal
from kernel.envelope import Role
from kernel.errors import InvalidArgument, PermissionDenied, PreconditionFailed
from kernel.grpc.rate_limit import RateLimiter, client_of
from pledges.domain.feedback import Feedback
from pledges.domain.screening import screened
from pledges.domain.vocabulary import FeedbackStatus

from .pledge_kit import MEMBER, SECRETARY, made, published


def given() -> Feedback:
    feedback = Feedback("s1", "f-1")
    feedback.give(published(), rating=4, text="王老师很负责", reviewer_kind=ReviewerKind.PARENT)
    return feedback


def test_feedback_is_keyed_by_the_pledges_member_and_carries_no_contact() -> None:
    feedback = given()
    (event,) = [p.event for p in feedback.pending]
    assert isinstance(event, FeedbackGiven)
    assert feedback.partition_key == MEMBER
    assert "contact" not in event.model_dump()


def test_verified_feedback_repeats_rating_and_reviewer_for_its_consumers() -> None:
    feedback = given()
    feedback.verify(SECRETARY, "属实")
    verified = feedback.pending[-1].event
    assert isinstance(verified, FeedbackVerified)
    assert (verified.rating, verified.reviewer_kind) == (4, ReviewerKind.PARENT)
    assert feedback.status is FeedbackStatus.VERIFIED
    with pytest.raises(PreconditionFailed):
        feedback.dismiss(SECRETARY, "改主意")


def test_feedback_needs_a_published_pledge_and_a_decider_other_than_its_member() -> None:
    with pytest.raises(PreconditionFailed) as error:
        Feedback("s1", "f-2").give(made(), rating=5, text="", reviewer_kind=ReviewerKind.OTHER)
    assert error.value.field == "pledge_id"
    with pytest.raises(PermissionDenied):
        given().verify(MEMBER, "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a" * 2001, "at most 2000"),
        ("好老师\x00", "control character"),
        ("好老师\u202e", "control character"),
        ("王老师是个 SHIT 老师", "does not publish"),
    ],
)
def test_public_text_that_is_oversized_or_abusive_is_refused_naming_the_field(
    text: str, reason: str
) -> None:
    with pytest.raises(InvalidArgument, match=reason) as error:
        screened(text, "text", max_length=2000, blocked=("shit",))
    assert error.value.field == "text"
    assert text not in str(error.value)  # the refusal never echoes the text


def test_ordinary_chinese_text_with_line_breaks_passes() -> None:
    assert screened(" 王老师\n很负责\t! ", "text", max_length=2000) == "王老师\n很负责\t!"


def test_a_token_bucket_allows_a_burst_then_refills_with_its_clock() -> None:
    now = [100.0]
    limiter = RateLimiter(2, 0.5, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(2.0)
    assert limiter.take("b") == 0.0  # another client has its own bucket
    now[0] += 2.0
    assert limiter.take("a") == 0.0


def test_clients_are_told_apart_by_subject_or_by_address_without_port() -> None:
    anonymous = Principal.anonymous()
    assert client_of(anonymous, "ipv4:127.0.0.1:50000") == client_of(
        anonymous, "ipv4:127.0.0.1:50001"
    )
    assert client_of(anonymous, "ipv6:[::1]:5") == "peer:ipv6:[::1]"
    parent = Principal("parent-1", Role.PUBLIC, "s1")
    assert client_of(parent, "ipv4:127.0.0.1:50000") == "subject:s1/parent-1"
