"""The archives aggregates decide by their own rules; no store, no broker, no gRPC."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from archives.domain.assessment import Assessment, seal_ballot
from archives.domain.member import Member
from archives.domain.posts import ModelPost, PostAssignment
from archives.domain.record import PerformanceRecord, RecordStatus
from archives.domain.school import School
from contracts.archives import (
    AssessmentSubmitted,
    MemberRegistered,
    PerformanceRecorded,
    PeriodClosed,
    RecordCorrected,
    RecordVerified,
)
from contracts.periods import PeriodKind, parse_period
from contracts.vocabulary import Channel, Lead, MemberRole, PostKind, RecordCategory, Tier
from kernel.errors import NotFound, PermissionDenied, PreconditionFailed

TODAY = date(2026, 11, 24)


def registered_school() -> School:
    school = School("s1", "s1")
    school.register("第一中学")
    school.establish_branch("b1", "语文支部")
    return school


def filed_record() -> PerformanceRecord:
    record = PerformanceRecord("s1", "r1")
    record.file(
        member_id="m1",
        branch_id="b1",
        category=RecordCategory.DUTY_PERFORMANCE,
        channel=Channel.SELF_DECLARED,
        occurred_on=date(2026, 11, 2),
        description="公开课",
        evidence=("doc-1",),
        claimed_points=5,
    )
    return record


def test_a_branch_cannot_be_established_twice() -> None:
    school = registered_school()
    with pytest.raises(PreconditionFailed) as error:
        school.establish_branch("b1", "again")
    assert error.value.field == "branch_id"


def test_an_unknown_branch_is_not_found() -> None:
    with pytest.raises(NotFound):
        registered_school().require_branch("nope")


def test_a_closed_month_closes_its_days_and_a_closed_year_its_months() -> None:
    school = registered_school()
    school.close_period(parse_period("2026-10"), TODAY)
    assert school.is_closed_day(date(2026, 10, 31))
    assert not school.is_closed_day(date(2026, 11, 1))
    assert not school.is_closed_period(parse_period("2026-Q4"))
    school.close_period(parse_period("AY2025"), TODAY)
    assert school.is_closed_period(parse_period("2026-03"))
    with pytest.raises(PreconditionFailed):
        school.close_period(parse_period("2026-10"), TODAY)


def test_a_period_closed_outside_the_calendar_before_it_was_enforced_replays_harmlessly() -> None:
    """A store may hold `0001-01` closed by the code before the calendar: the school still
    loads, and that period closes nothing the APIs accept now."""
    school = registered_school()
    school.apply(PeriodClosed(school_id="s1", period="0001-01", kind=PeriodKind.MONTH))
    assert not school.is_closed_day(date(2026, 1, 1))
    school.close_period(parse_period("2026-10"), TODAY)
    assert school.is_closed_period(parse_period("2026-10"))


def test_a_period_that_has_not_started_cannot_close() -> None:
    with pytest.raises(PreconditionFailed):
        registered_school().close_period(parse_period("2027-01"), TODAY)


@pytest.mark.parametrize("period", ["2026-11", "2026-Q4", "AY2026"])
def test_a_period_closes_only_once_it_has_ended(period: str) -> None:
    """On its last day a period is still running; on the day after it, it may close."""
    last_day = parse_period(period).end - timedelta(days=1)
    with pytest.raises(PreconditionFailed) as refused:
        registered_school().close_period(parse_period(period), last_day)
    assert refused.value.field == "period" and period in str(refused.value)
    school = registered_school()
    school.close_period(parse_period(period), last_day + timedelta(days=1))
    assert school.is_closed_period(parse_period(period))


def test_member_lifecycle_is_replayed_exactly() -> None:
    member = Member("s1", "m1")
    member.register("王芳", "b1", (MemberRole.HEAD_TEACHER,), date(2010, 7, 1))
    member.transfer("b2", "调岗")
    member.leave(date(2026, 11, 1), "退休")
    replayed = Member.replay("s1", "m1", [p.event for p in member.pending])
    assert (replayed.branch_id, replayed.active, replayed.version) == ("b2", False, 3)
    with pytest.raises(PreconditionFailed):
        replayed.transfer("b1", "")


def test_a_member_never_verifies_their_own_record() -> None:
    with pytest.raises(PermissionDenied):
        filed_record().verify("m1", 5, "")


def test_a_record_is_verified_once_then_only_corrected() -> None:
    record = filed_record()
    record.verify("sec-1", 4, "ok")
    assert (record.status, record.awarded_points) == (RecordStatus.VERIFIED, 4)
    with pytest.raises(PreconditionFailed):
        record.reject("sec-1", "late")
    record.correct("sec-1", 3, "over-counted")
    assert record.awarded_points == 3
    assert [type(p.event) for p in record.pending] == [
        PerformanceRecorded,
        RecordVerified,
        RecordCorrected,
    ]


def test_a_rejected_record_cannot_be_corrected() -> None:
    record = filed_record()
    record.reject("sec-1", "no evidence")
    with pytest.raises(PreconditionFailed):
        record.correct("sec-1", 1, "")


def test_record_events_are_keyed_by_the_member() -> None:
    assert filed_record().partition_key == "m1"


def test_a_post_is_held_once_at_a_time_and_reviewed_once_per_period() -> None:
    post = ModelPost("s1", "p1")
    post.establish("党员班主任示范岗", PostKind.HEAD_TEACHER, "")
    tenure = PostAssignment("s1", PostAssignment.id_of("p1", "m1"))
    tenure.assign(post, date(2026, 9, 1))
    with pytest.raises(PreconditionFailed):
        tenure.assign(post, date(2026, 9, 2))
    tenure.review("2026-10", 90, "")
    with pytest.raises(PreconditionFailed):
        tenure.review("2026-10", 80, "")
    tenure.release(date(2026, 11, 1), "")
    with pytest.raises(PreconditionFailed):
        tenure.release(date(2026, 11, 2), "")
    assert tenure.partition_key == "m1"


def test_a_resubmitted_assessment_supersedes_the_first() -> None:
    scores = {lead: 80.0 for lead in Lead}
    assessment = Assessment("s1", "2026-10:m1:self")
    assessment.submit(member_id="m1", period="2026-10", tier=Tier.SELF, scores=scores, comment="")
    assessment.submit(member_id="m1", period="2026-10", tier=Tier.SELF, scores=scores, comment="")
    events = [p.event for p in assessment.pending]
    assert all(isinstance(e, AssessmentSubmitted) for e in events)
    assert [e.supersedes for e in events if isinstance(e, AssessmentSubmitted)] == [False, True]


def test_a_sealed_ballot_is_stable_per_assessor_and_names_nobody() -> None:
    def seal(assessor: str) -> str:
        return seal_ballot(
            b"secret",
            school_id="s1",
            member_id="m1",
            period="2026-10",
            tier=Tier.PEER,
            assessor_id=assessor,
        )

    assert seal("m2") == seal("m2")
    assert seal("m2") != seal("m3")
    assert "m2" not in seal("m2")


def test_registered_member_event_keeps_chinese_name() -> None:
    member = Member("s1", "m9")
    member.register("欧阳娜娜", "b1", (MemberRole.TEACHER,), date(2001, 7, 1))
    event = member.pending[0].event
    assert isinstance(event, MemberRegistered)
    assert MemberRegistered.model_validate_json(event.model_dump_json()).name == "欧阳娜娜"
