"""Plan: a pledge is made, returned, revised, resubmitted, approved and published, or
withdrawn before publication, by its own rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contracts.pledges import PledgeMade, PledgePublished, PledgeRevised
from contracts.vocabulary import PledgeStatus, Stage
from kernel.errors import PermissionDenied, PreconditionFailed
from pledges.domain.pledge import Pledge

from .pledge_kit import MEMBER, SECRETARY, made, published, terms


def test_a_made_pledge_waits_for_its_branch_in_the_plan_stage() -> None:
    pledge = made()

    assert pledge.status is PledgeStatus.SUBMITTED
    assert pledge.stage is Stage.PLAN
    assert pledge.partition_key == MEMBER  # every event of the pledge is keyed by its member
    (event,) = [p.event for p in pledge.pending]
    assert isinstance(event, PledgeMade)
    assert (event.member_name, event.branch_id, len(event.targets)) == ("王小明", "b-chinese", 2)


def test_a_returned_pledge_is_revised_then_resubmitted_then_approved_and_published() -> None:
    pledge = made()
    pledge.return_to_member(SECRETARY, "目标不够具体")
    with pytest.raises(PreconditionFailed, match="revise it before resubmitting"):
        pledge.resubmit()

    pledge.revise(terms("每两周公开课一次"))
    pledge.resubmit()
    pledge.approve(SECRETARY, "同意")
    pledge.publish(SECRETARY)

    assert pledge.status is PledgeStatus.PUBLISHED
    assert pledge.stage is Stage.DO
    revised = next(p.event for p in pledge.pending if isinstance(p.event, PledgeRevised))
    assert revised.title == "每两周公开课一次"
    assert isinstance(pledge.pending[-1].event, PledgePublished)


def test_replaying_the_events_gives_the_same_pledge() -> None:
    live = published()
    replayed = Pledge.replay("s1", "p-1", [p.event for p in live.pending])

    assert (replayed.status, replayed.stage, replayed.version) == (live.status, live.stage, 3)
    assert replayed.terms == live.terms


@pytest.mark.parametrize(
    ("what", "step"),
    [
        ("publish before approval", lambda p: p.publish(SECRETARY)),
        ("revise before it was returned", lambda p: p.revise(terms())),
        ("resubmit before it was returned", lambda p: p.resubmit()),
        ("report before publication", lambda p: p.report_fulfilment((), "x", ())),
        ("close before publication", lambda p: p.close(SECRETARY, "unfulfilled", "", "x")),
        (
            "verify before publication",
            lambda p: p.verify_fulfilment(SECRETARY, "r1", "accepted", (), ""),
        ),
    ],
)
def test_a_submitted_pledge_refuses_what_comes_later(
    what: str, step: Callable[[Pledge], object]
) -> None:
    pledge = made()
    with pytest.raises(PreconditionFailed) as error:
        step(pledge)
    assert error.value.field == "pledge_id", what
    assert len(pledge.pending) == 1  # nothing recorded


def test_withdrawal_ends_a_pledge_only_before_publication() -> None:
    early = made()
    early.withdraw("换一个承诺")
    assert (early.status, early.stage) == (PledgeStatus.WITHDRAWN, Stage.DONE)

    late = published()
    with pytest.raises(PreconditionFailed, match="not yet published"):
        late.withdraw("太难了")


def test_a_member_never_approves_their_own_pledge() -> None:
    pledge = made()
    with pytest.raises(PermissionDenied):
        pledge.approve(MEMBER, "我批准我自己")
    with pytest.raises(PermissionDenied):
        pledge.publish(MEMBER)


def test_a_pledge_is_made_once() -> None:
    pledge = made()
    with pytest.raises(PreconditionFailed):
        pledge.make(
            member_id=MEMBER, member_name="王小明", branch_id="b", period="AY2026", terms=terms()
        )


def test_published_pledges_are_public_and_withdrawn_ones_never() -> None:
    assert published().visible_to_public
    withdrawn = made()
    withdrawn.withdraw("")
    assert not withdrawn.visible_to_public
