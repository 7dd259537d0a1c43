"""The PDCA stage is a function of where the events left the pledge; the overdue sweep flags
a published pledge past its last due date once, on whatever day its clock says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.pledges import PledgeOverdue
from contracts.stage import stage_of
from contracts.vocabulary import Outcome, PledgeStatus, RectificationStatus, Stage
from kernel.errors import ConcurrencyConflict
from pledges.domain.pledge import Pledge
from pledges.handlers.overdue import sweep_overdue

from .pledge_kit import LAST_DUE, closed, made, published, reported

S, R = PledgeStatus, RectificationStatus


@pytest.mark.parametrize(
    ("status", "pending", "outcome", "rectification", "stage"),
    [
        (S.SUBMITTED, False, None, None, Stage.PLAN),
        (S.RETURNED, False, None, None, Stage.PLAN),
        (S.APPROVED, False, None, None, Stage.PLAN),
        (S.PUBLISHED, False, None, None, Stage.DO),
        (S.PUBLISHED, True, None, None, Stage.CHECK),
        (S.CLOSED, False, Outcome.FULFILLED, None, Stage.DONE),
        (S.CLOSED, False, Outcome.PARTIALLY_FULFILLED, R.REQUIRED, Stage.ACT),
        (S.CLOSED, False, Outcome.UNFULFILLED, R.REPORTED, Stage.ACT),
        (S.CLOSED, False, Outcome.UNFULFILLED, R.COMPLETED, Stage.DONE),
        (S.WITHDRAWN, False, None, None, Stage.DONE),
    ],
)
def test_the_stage_follows_the_pdca_loop(
    status: PledgeStatus,
    pending: bool,
    outcome: Outcome | None,
    rectification: RectificationStatus | None,
    stage: Stage,
) -> None:
    assert (
        stage_of(status, report_pending=pending, outcome=outcome, rectification=rectification)
        is stage
    )


def test_a_pledge_is_overdue_only_after_its_last_due_date_and_only_once() -> None:
    pledge = published()
    assert not pledge.flag_overdue(LAST_DUE)  # due today is not late
    assert pledge.flag_overdue(LAST_DUE + timedelta(days=1))
    assert not pledge.flag_overdue(LAST_DUE + timedelta(days=30))

    overdue = [p.event for p in pledge.pending if isinstance(p.event, PledgeOverdue)]
    assert [(o.last_due_on, o.flagged_on) for o in overdue] == [
        (LAST_DUE, LAST_DUE + timedelta(days=1))
    ]
    assert pledge.stage is Stage.DO  # being late changes no stage


def test_pledges_not_published_or_closed_are_never_overdue() -> None:
    late = LAST_DUE + timedelta(days=5)
    assert not made().flag_overdue(late)
    assert not closed(Outcome.UNFULFILLED).flag_overdue(late)


class Shelf:
    """Pledges by id, as a repository would load and save them."""

    def __init__(self, *pledges: Pledge) -> None:
        self.pledges = {p.id: p for p in pledges}
        self.saved: list[str] = []

    def load(self, school_id: str, pledge_id: str) -> Pledge:
        return self.pledges[pledge_id]

    def save(self, pledge: Pledge) -> None:
        if pledge.id == "p-conflict":
            raise ConcurrencyConflict("someone else was faster")
        self.saved.append(pledge.id)


def test_the_sweep_flags_what_is_overdue_on_the_day_its_clock_gives() -> None:
    on_time, late_but_checking = published(), reported((1, 10))
    on_time.id, late_but_checking.id = "p-a", "p-b"
    shelf = Shelf(on_time, late_but_checking)
    candidates = [("s1", "p-a"), ("s1", "p-b")]

    assert sweep_overdue(candidates, shelf.load, shelf.save, LAST_DUE) == []
    day_after = LAST_DUE + timedelta(days=1)
    assert sweep_overdue(candidates, shelf.load, shelf.save, day_after) == candidates
    assert sweep_overdue(candidates, shelf.load, shelf.save, day_after) == []  # once
    assert shelf.saved == ["p-a", "p-b"]


def test_a_pledge_that_changed_meanwhile_is_left_to_the_next_sweep() -> None:
    racing, fine = published(), published()
    racing.id, fine.id = "p-conflict", "p-fine"
    shelf = Shelf(racing, fine)

    flagged = sweep_overdue(
        [("s1", "p-conflict"), ("s1", "p-fine")], shelf.load, shelf.save, date(2027, 1, 1)
    )

    assert flagged == [("s1", "p-fine")]
