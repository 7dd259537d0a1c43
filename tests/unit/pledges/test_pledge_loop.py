"""Do, Check, Act: reports are verified one at a time, the outcome must be backed by
verified progress, and anything short of fulfilled opens a rectification."""

from __future__ import annotations

import pytest

from contracts.pledges import FulfilmentVerified, PledgeClosed, RectificationRequired
from contracts.vocabulary import Outcome, PledgeStatus, RectificationStatus, Stage, Verdict
from kernel.errors import InvalidArgument, NotFound, PermissionDenied, PreconditionFailed
from pledges.domain.vocabulary import ReportStatus

from .pledge_kit import (
    MEMBER,
    SECRETARY,
    closed,
    fulfilled_so_far,
    progress,
    published,
    reported,
)


def test_a_report_moves_the_pledge_to_check_and_its_verification_back_to_do() -> None:
    pledge = reported((1, 50))
    assert (pledge.stage, pledge.pending_report) == (Stage.CHECK, "r1")

    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.ACCEPTED, (), "")

    assert pledge.stage is Stage.DO
    assert pledge.reports["r1"].status is ReportStatus.ACCEPTED
    assert pledge.accepted == {1: 50}


def test_one_report_at_a_time() -> None:
    pledge = reported((1, 50))
    with pytest.raises(PreconditionFailed, match="r1 still awaits verification"):
        pledge.report_fulfilment(progress((1, 80)), "又一次", ())


def test_a_partial_acceptance_accepts_no_more_than_was_reported() -> None:
    pledge = reported((1, 80), (2, 40))
    with pytest.raises(InvalidArgument) as error:
        pledge.verify_fulfilment(
            SECRETARY, "r1", Verdict.PARTIALLY_ACCEPTED, progress((1, 90)), "x"
        )
    assert error.value.field == "accepted_progress[0]"

    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.PARTIALLY_ACCEPTED, progress((1, 60)), "x")

    verified = pledge.pending[-1].event
    assert isinstance(verified, FulfilmentVerified)
    assert verified.accepted_progress == progress((1, 60))
    assert pledge.accepted == {1: 60}


def test_a_rejected_report_accepts_nothing() -> None:
    pledge = reported((1, 100))
    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.REJECTED, (), "证据不足")
    assert pledge.accepted == {}
    assert pledge.reports["r1"].status is ReportStatus.REJECTED


def test_reports_name_existing_targets_once_each() -> None:
    pledge = published()
    with pytest.raises(InvalidArgument) as unknown:
        pledge.report_fulfilment(progress((3, 10)), "x", ())
    with pytest.raises(InvalidArgument) as twice:
        pledge.report_fulfilment(progress((1, 10), (1, 20)), "x", ())
    assert (unknown.value.field, twice.value.field) == ("progress[0].target", "progress[1].target")


def test_a_report_is_verified_once_and_never_by_its_member() -> None:
    pledge = reported((1, 50))
    with pytest.raises(PermissionDenied):
        pledge.verify_fulfilment(MEMBER, "r1", Verdict.ACCEPTED, (), "")
    with pytest.raises(NotFound):
        pledge.verify_fulfilment(SECRETARY, "r9", Verdict.ACCEPTED, (), "")
    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.ACCEPTED, (), "")
    with pytest.raises(PreconditionFailed):
        pledge.verify_fulfilment(SECRETARY, "r1", Verdict.REJECTED, (), "改主意")


def test_fulfilled_needs_every_target_verified_at_100_percent() -> None:
    pledge = reported((1, 100))
    with pytest.raises(PreconditionFailed, match="awaits verification"):
        pledge.close(SECRETARY, Outcome.FULFILLED, "", "")
    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.ACCEPTED, (), "")
    with pytest.raises(PreconditionFailed) as error:
        pledge.close(SECRETARY, Outcome.FULFILLED, "", "")
    assert error.value.field == "outcome"

    done = fulfilled_so_far()
    done.close(SECRETARY, Outcome.FULFILLED, "圆满", "")
    assert (done.status, done.stage, done.rectification) == (PledgeStatus.CLOSED, Stage.DONE, None)


def test_short_of_fulfilled_the_pledge_enters_act_until_rectification_is_completed() -> None:
    pledge = closed(Outcome.PARTIALLY_FULFILLED)
    closing, requirement = (p.event for p in pledge.pending[-2:])
    assert isinstance(closing, PledgeClosed) and isinstance(requirement, RectificationRequired)
    assert pledge.stage is Stage.ACT

    with pytest.raises(PreconditionFailed, match="rectification is required"):
        pledge.complete_rectification(SECRETARY, "")
    pledge.report_rectification("补上了两节公开课", ("doc-9",))
    assert pledge.stage is Stage.ACT
    with pytest.raises(PermissionDenied):
        pledge.complete_rectification(MEMBER, "")
    pledge.complete_rectification(SECRETARY, "整改到位")

    assert (pledge.stage, pledge.rectification) == (Stage.DONE, RectificationStatus.COMPLETED)


def test_closing_short_of_fulfilled_says_what_to_rectify() -> None:
    pledge = published()
    with pytest.raises(InvalidArgument) as error:
        pledge.close(SECRETARY, Outcome.UNFULFILLED, "", "")
    assert error.value.field == "rectification"


@pytest.mark.parametrize("outcome", [Outcome.UNFULFILLED, Outcome.PARTIALLY_FULFILLED])
def test_a_closed_pledge_takes_no_more_reports(outcome: Outcome) -> None:
    pledge = closed(outcome)
    with pytest.raises(PreconditionFailed):
        pledge.report_fulfilment(progress((1, 100)), "晚了", ())
    with pytest.raises(PreconditionFailed):
        pledge.close(SECRETARY, Outcome.UNFULFILLED, "", "again")
