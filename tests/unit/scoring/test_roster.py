"""The roster scoring learns from archives events: the branch a member is in now, and who is on
the roster of a period's close (registered by an event the close admits, not left before the
period's first day, in the branch of their latest transfer the close admits)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from kernel.envelope import Envelope
from scoring.domain.roster import MemberRoster, roster_event_of
from unit.scoring.story import SCHOOL, Story

OCTOBER = date(2026, 10, 1)  # the first day of 2026-10


def roster_of(*envelopes: Envelope) -> MemberRoster:
    roster = MemberRoster(SCHOOL, "m1")
    for envelope in envelopes:
        event = roster_event_of(envelope)
        assert event is not None, envelope.event_type
        roster = roster.with_event(event)
    return roster


def close_position(story: Story) -> int:
    return story.close("2026-10", "month").position or 0


def test_the_branch_now_comes_from_registration_then_transfer() -> None:
    story = Story()
    registered = roster_of(story.register("m1", "b1"))
    assert registered.branch == "b1"
    assert roster_of(story.register("m1", "b1"), story.transfer("m1", "b1", "b2")).branch == "b2"
    assert MemberRoster(SCHOOL, "m1").branch is None
    assert roster_event_of(story.assess("m1", "self", 70)) is None


def test_a_member_registered_before_the_close_is_on_its_roster_in_their_branch() -> None:
    story = Story()
    register = story.register("m1", "b1")
    roster = roster_of(register)
    membership = roster.on_roster(close_position(story), OCTOBER)
    assert membership is not None
    assert (membership.member_id, membership.branch_id) == ("m1", "b1")
    assert membership.event_ids == (str(register.event_id),)


def test_a_member_registered_after_the_close_is_not_on_its_roster() -> None:
    story = Story()
    close = close_position(story)
    assert roster_of(story.register("m1", "b1")).on_roster(close, OCTOBER) is None


def test_a_transfer_puts_the_member_in_the_new_branch_unless_it_came_after_the_close() -> None:
    story = Story()
    register, transfer = story.register("m1", "b1"), story.transfer("m1", "b1", "b2")
    close = close_position(story)
    later = story.transfer("m1", "b2", "b3")
    membership = roster_of(register, transfer, later).on_roster(close, OCTOBER)
    assert membership is not None and membership.branch_id == "b2"
    assert set(membership.event_ids) == {str(register.event_id), str(transfer.event_id)}


@pytest.mark.parametrize(
    ("left_on", "on_roster"),
    [
        (date(2026, 9, 30), False),  # the day before the period: absent
        (OCTOBER, True),  # left during the period: still on its roster
        (date(2026, 10, 20), True),
    ],
)
def test_a_member_who_left_before_the_period_is_absent_one_who_left_during_it_is_not(
    left_on: date, on_roster: bool
) -> None:
    story = Story()
    roster = roster_of(story.register("m1", "b1"), story.left("m1", "b1", left_on))
    assert (roster.on_roster(close_position(story), OCTOBER) is not None) is on_roster


def test_a_member_who_left_and_was_registered_again_is_on_the_roster() -> None:
    story = Story()
    roster = roster_of(
        story.register("m1", "b1"),
        story.left("m1", "b1", date(2026, 6, 30)),
        story.register("m1", "b2"),
    )
    membership = roster.on_roster(close_position(story), OCTOBER)
    assert membership is not None and membership.branch_id == "b2"


def test_a_redelivered_roster_event_counts_once() -> None:
    story = Story()
    register = story.register("m1", "b1")
    roster = roster_of(register, register)
    assert len(roster.events) == 1


def test_a_roster_event_that_does_not_read_as_its_contract_says_raises() -> None:
    story = Story()
    broken = story.archives("MemberLeft", "m1", branch_id="b1", left_on="yesterday")
    with pytest.raises(ValidationError):
        roster_event_of(broken)
