"""The demo plan is data: the same anchor month gives the same requests under the same keys,
every key is unique, and every date is one the services accept whenever in that month the
demo is first loaded (records never in the future, targets due inside the pledge period and
after the anchor month)."""

from __future__ import annotations

from datetime import date

import pytest

from vanguard_cli.demo.calendar import Calendar
from vanguard_cli.demo.people import TEACHERS
from vanguard_cli.demo.plan import count, plan
from vanguard_cli.demo.steps import Step

SAVED = {"pledge": "p-1", "feedback": "f-1"}
ANCHORS = [date(2026, 11, 24), date(2027, 1, 1), date(2027, 6, 30), date(2027, 8, 31)]


def steps(calendar: Calendar) -> list[Step]:
    return [step for phase in plan(calendar) for chain in phase for step in chain]


def test_the_same_anchor_gives_the_same_requests_under_the_same_keys() -> None:
    first, second = steps(Calendar.of(date(2026, 11, 2))), steps(Calendar.of(date(2026, 11, 29)))
    assert [s.key for s in first] == [s.key for s in second]
    assert [s.build(SAVED) for s in first] == [s.build(SAVED) for s in second]


def test_every_key_is_unique_and_the_school_is_whole() -> None:
    all_steps = steps(Calendar.of(ANCHORS[0]))
    keys = [s.key for s in all_steps]
    assert len(keys) == len(set(keys)) == count(plan(Calendar.of(ANCHORS[0])))
    assert len(TEACHERS) == 30 and len({t.name for t in TEACHERS}) == 30
    channels = {s.build(SAVED).channel for s in all_steps if s.method == "record_performance"}
    assert channels == {"self_declared", "public_report", "branch_investigation"}
    tiers = {s.build(SAVED).tier for s in all_steps if s.method == "submit_assessment"}
    assert tiers == {"self", "peer", "public", "committee"}


def test_nobody_verifies_their_own_record_or_pledge() -> None:
    for step in steps(Calendar.of(ANCHORS[0])):
        if step.method.startswith("verify_") or step.method in ("approve_pledge", "close_pledge"):
            request = step.build(SAVED)
            member = getattr(request, "record_id", "").split("-r")[0] or step.key.split("/")[2]
            assert step.actor.subject != member, step.key


@pytest.mark.parametrize("today", ANCHORS)
def test_dates_are_ones_the_services_accept(today: date) -> None:
    calendar = Calendar.of(today)
    period = calendar.pledge_period
    for step in steps(calendar):
        request = step.build(SAVED)
        if step.method == "record_performance":
            assert date.fromisoformat(request.occurred_on) <= today.replace(day=1)
        if step.method == "make_pledge":
            assert request.period == period.id
            for target in request.targets:
                due = date.fromisoformat(target.due_on)
                assert period.contains(due) and due >= calendar.anchor.end, (today, due)


def test_a_loaded_demo_gives_back_its_calendar() -> None:
    calendar = Calendar.of(date(2027, 1, 15))
    assert [m.id for m in calendar.closed] == ["2026-11", "2026-12"]
    assert Calendar.after_closed(calendar.day(calendar.closed[0], 13)) == calendar
