"""Frozen closes: a school remembers which PeriodClosed closed what, and an appeal unlocks a
closed period only when upheld, for its member and its subject."""

from __future__ import annotations

from datetime import date

import pytest

from archives.domain.appeal import Appeal
from archives.domain.school import School
from contracts.archives import AppealFiled, AppealResolved, PeriodClosed, SchoolRegistered
from contracts.periods import parse_period
from contracts.vocabulary import AppealOutcome, AppealSubject
from kernel.errors import NotFound, PreconditionFailed


def closed_school() -> School:
    events = [
        SchoolRegistered(school_id="s1", name="第一中学"),
        PeriodClosed(school_id="s1", period="2026-10", kind="month"),
    ]
    return School.replay("s1", "s1", events, ["evt-register", "evt-close-october"])


def appeal(subject: AppealSubject, subject_id: str, outcome: AppealOutcome | None) -> Appeal:
    filed = AppealFiled(
        appeal_id="a-1", member_id="m-1", subject=subject, subject_id=subject_id, reason="漏记"
    )
    resolved = (
        []
        if outcome is None
        else [AppealResolved(appeal_id="a-1", member_id="m-1", outcome=outcome, reason="复核")]
    )
    return Appeal.replay("s1", "a-1", [filed, *resolved])


def test_a_closed_period_is_known_with_the_event_that_closed_it() -> None:
    school = closed_school()
    closed = school.close_of_day(date(2026, 10, 15))
    assert closed is not None and closed.event_id == "evt-close-october"
    assert school.close_of_period(parse_period("2026-10")) == closed
    assert school.close_of_day(date(2026, 11, 1)) is None
    assert school.close_of_period(parse_period("2026-Q1")) is None  # longer than the close
    refusal = closed.refusal("2026-10-15", "occurred_on")
    assert refusal.field == "occurred_on"
    assert "period 2026-10, closed by PeriodClosed evt-close-october" in str(refusal)


def test_an_upheld_appeal_about_the_period_unlocks_its_members_days_in_it() -> None:
    upheld = appeal(AppealSubject.EVALUATION, "2026-10", AppealOutcome.UPHELD)
    upheld.unlock("m-1", date(2026, 10, 15))
    upheld.unlock("m-1", parse_period("2026-10"), record_id="r-1")
    for member, when in (("m-2", date(2026, 10, 15)), ("m-1", date(2026, 9, 30))):
        with pytest.raises(PreconditionFailed) as refused:
            upheld.unlock(member, when)
        assert refused.value.field == "appeal_id"


def test_a_record_appeal_unlocks_that_record_only() -> None:
    upheld = appeal(AppealSubject.RECORD, "r-1", AppealOutcome.UPHELD)
    upheld.unlock("m-1", date(2026, 10, 15), record_id="r-1")
    for record in ("r-2", ""):
        with pytest.raises(PreconditionFailed):
            upheld.unlock("m-1", date(2026, 10, 15), record_id=record)


@pytest.mark.parametrize("outcome", [None, AppealOutcome.DISMISSED])
def test_only_an_upheld_appeal_unlocks(outcome: AppealOutcome | None) -> None:
    with pytest.raises(PreconditionFailed) as refused:
        appeal(AppealSubject.EVALUATION, "2026-10", outcome).unlock("m-1", date(2026, 10, 15))
    assert refused.value.field == "appeal_id"


def test_an_unknown_appeal_is_not_found() -> None:
    with pytest.raises(NotFound) as missing:
        Appeal("s1", "a-none").unlock("m-1", date(2026, 10, 15))
    assert missing.value.field == "appeal_id"
