"""Bad input is refused with the right status and the field at fault, and writes nothing.

One school is set up once: member m-1 of branch b-a with a pending and a verified record, a
model post p-1 that m-1 holds, an open appeal, and last month closed. Then every bad request
of the table below is sent; for each, the status code and the field `field_of` reads from the
error must match, and the event store's head must not move. At the end m-1's exported archive
is exactly what it was before the first bad request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import grpc
from archives_kit import (
    VISIBLE,
    ArchivesService,
    Caller,
    describe,
    failure,
    last_month,
    scores,
    this_month,
    today,
)

from contracts.periods import periods_of
from kernel.envelope import Role
from kernel.grpc.client import field_of
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import command_pb2

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
ABORTED = grpc.StatusCode.ABORTED

TOMORROW = (today() + timedelta(days=1)).isoformat()
TODAY = today().isoformat()
IN_CLOSED_MONTH = f"{last_month()}-15"
NEXT_YEAR = f"{today().year + 1:04d}-01"
NEXT_MONTH = (today().replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
HUGE = "x" * 10_000
DETAILS_MAX = 600  # an error quotes a bounded prefix of what was sent, never all of it
KEY = "bad-inputs-key"


@dataclass(frozen=True)
class Bad:
    what: str
    method: str
    request: Any
    code: grpc.StatusCode
    field: str
    caller: Caller | None = None  # default: the committee


def bad_requests(archives: ArchivesService, appeal_id: str) -> list[Bad]:
    s = archives.school
    member_self = archives.member("m-1")

    def member(**fields: Any) -> pb.RegisterMemberRequest:
        values = {
            "school_id": s,
            "member_id": "m-new",
            "name": "新党员",
            "branch_id": "b-a",
            "roles": ["teacher"],
            "joined_party_on": "2012-07-01",
            **fields,
        }
        return pb.RegisterMemberRequest(**values)

    def performance(**fields: Any) -> pb.RecordPerformanceRequest:
        values = {
            "school_id": s,
            "member_id": "m-1",
            "category": "study_training",
            "channel": "branch_investigation",
            "occurred_on": TODAY,
            "description": "专题党课",
            "claimed_points": 3,
            **fields,
        }
        return pb.RecordPerformanceRequest(**values)

    def assessment(**fields: Any) -> pb.SubmitAssessmentRequest:
        values = {
            "school_id": s,
            "member_id": "m-1",
            "period": this_month(),
            "tier": "self",
            "scores": scores(90, 90, 90, 90),
            **fields,
        }
        return pb.SubmitAssessmentRequest(**values)

    def review(**fields: Any) -> pb.ReviewModelPostRequest:
        values = {
            "school_id": s,
            "post_id": "p-1",
            "member_id": "m-1",
            "period": this_month(),
            "score": 90,
            **fields,
        }
        return pb.ReviewModelPostRequest(**values)

    def appeal(**fields: Any) -> pb.FileAppealRequest:
        values = {
            "school_id": s,
            "member_id": "m-1",
            "subject": "record",
            "subject_id": "r-verified",
            "reason": "请复核",
            **fields,
        }
        return pb.FileAppealRequest(**values)

    new_school = "new-school-of-bad-inputs"
    return [
        # -- names ---------------------------------------------------------------------------
        Bad("empty member name", "RegisterMember", member(name=""), INVALID, "name"),
        Bad("blank member name", "RegisterMember", member(name="   "), INVALID, "name"),
        Bad("51-character name", "RegisterMember", member(name="王" * 51), INVALID, "name"),
        Bad(
            "empty branch name",
            "EstablishBranch",
            pb.EstablishBranchRequest(school_id=s, branch_id="b-new", name=""),
            INVALID,
            "name",
        ),
        Bad(
            "over-long school name",
            "RegisterSchool",
            pb.RegisterSchoolRequest(school_id=new_school, name="校" * 51),
            INVALID,
            "name",
            archives.caller("committee", Role.COMMITTEE, "c", school=new_school),
        ),
        Bad(
            "empty post name",
            "EstablishModelPost",
            pb.EstablishModelPostRequest(school_id=s, name="", kind="staff"),
            INVALID,
            "name",
        ),
        Bad(
            "malformed branch id",
            "EstablishBranch",
            pb.EstablishBranchRequest(school_id=s, branch_id="语文 支部", name="语文"),
            INVALID,
            "branch_id",
        ),
        Bad("malformed member id", "RegisterMember", member(member_id="m/1"), INVALID, "member_id"),
        # -- unknown ids ---------------------------------------------------------------------
        Bad("unknown branch", "RegisterMember", member(branch_id="b-none"), NOT_FOUND, "branch_id"),
        Bad(
            "unknown member",
            "RecordPerformance",
            performance(member_id="m-none"),
            NOT_FOUND,
            "member_id",
        ),
        Bad(
            "unknown transfer target",
            "TransferMember",
            pb.TransferMemberRequest(school_id=s, member_id="m-1", to_branch_id="b-none"),
            NOT_FOUND,
            "to_branch_id",
        ),
        Bad(
            "unknown member transferred",
            "TransferMember",
            pb.TransferMemberRequest(school_id=s, member_id="m-none", to_branch_id="b-b"),
            NOT_FOUND,
            "member_id",
        ),
        Bad(
            "unknown record",
            "VerifyRecord",
            pb.VerifyRecordRequest(school_id=s, record_id="r-none", awarded_points=1),
            NOT_FOUND,
            "record_id",
        ),
        Bad(
            "unknown post",
            "AssignMemberToPost",
            pb.AssignMemberToPostRequest(
                school_id=s, post_id="p-none", member_id="m-1", assigned_on=TODAY
            ),
            NOT_FOUND,
            "post_id",
        ),
        Bad(
            "unknown post reviewed",
            "ReviewModelPost",
            review(post_id="p-none"),
            NOT_FOUND,
            "post_id",
        ),
        Bad(
            "unknown member assessed",
            "SubmitAssessment",
            assessment(member_id="m-none", tier="committee"),
            NOT_FOUND,
            "member_id",
        ),
        Bad(
            "appeal on an unknown record",
            "FileAppeal",
            appeal(subject_id="r-none"),
            NOT_FOUND,
            "subject_id",
            member_self,
        ),
        Bad(
            "unknown appeal",
            "ResolveAppeal",
            pb.ResolveAppealRequest(school_id=s, appeal_id="a-none", outcome="upheld", reason="-"),
            NOT_FOUND,
            "appeal_id",
        ),
        Bad(
            "unknown member read",
            "GetMember",
            pb.GetMemberRequest(school_id=s, member_id="m-none"),
            NOT_FOUND,
            "member_id",
        ),
        Bad(
            "unknown member exported",
            "ExportArchive",
            pb.ExportArchiveRequest(school_id=s, member_id="m-none"),
            NOT_FOUND,
            "member_id",
        ),
        Bad(
            "unknown branch summarised",
            "BranchSummary",
            pb.BranchSummaryRequest(school_id=s, branch_id="b-none"),
            NOT_FOUND,
            "branch_id",
        ),
        # -- points out of range -------------------------------------------------------------
        Bad(
            "claimed points above 100",
            "RecordPerformance",
            performance(claimed_points=100.5),
            INVALID,
            "claimed_points",
        ),
        Bad(
            "negative claimed points",
            "RecordPerformance",
            performance(claimed_points=-1),
            INVALID,
            "claimed_points",
        ),
        Bad(
            "claimed points NaN",
            "RecordPerformance",
            performance(claimed_points=float("nan")),
            INVALID,
            "claimed_points",
        ),
        Bad(
            "awarded points above 100",
            "VerifyRecord",
            pb.VerifyRecordRequest(school_id=s, record_id="r-pending", awarded_points=101),
            INVALID,
            "awarded_points",
        ),
        Bad(
            "corrected points negative",
            "CorrectRecord",
            pb.CorrectRecordRequest(
                school_id=s, record_id="r-verified", awarded_points=-2, reason="更正"
            ),
            INVALID,
            "awarded_points",
        ),
        Bad("post score above 100", "ReviewModelPost", review(score=120), INVALID, "score"),
        Bad(
            "lead score above 100",
            "SubmitAssessment",
            assessment(scores=scores(100.5, 90, 90, 90)),
            INVALID,
            "scores.study",
            member_self,
        ),
        Bad(
            "negative lead score",
            "SubmitAssessment",
            assessment(scores=scores(90, 90, 90, -3)),
            INVALID,
            "scores.devotion",
            member_self,
        ),
        Bad(
            "no scores at all",
            "SubmitAssessment",
            pb.SubmitAssessmentRequest(
                school_id=s, member_id="m-1", period=this_month(), tier="self"
            ),
            INVALID,
            "scores",
            member_self,
        ),
        # -- malformed periods and dates -----------------------------------------------------
        Bad(
            "period as a date",
            "SubmitAssessment",
            assessment(period=TODAY),
            INVALID,
            "period",
            member_self,
        ),
        Bad(
            "fifth quarter",
            "SubmitAssessment",
            assessment(period="2026-Q5"),
            INVALID,
            "period",
            member_self,
        ),
        Bad(
            "empty period",
            "ClosePeriod",
            pb.ClosePeriodRequest(school_id=s, period=""),
            INVALID,
            "period",
        ),
        Bad("thirteenth month", "ReviewModelPost", review(period="2026-13"), INVALID, "period"),
        Bad(
            "appeal on a malformed period",
            "FileAppeal",
            appeal(subject="evaluation", subject_id="last term"),
            INVALID,
            "subject_id",
            member_self,
        ),
        Bad(
            "summary of a malformed period",
            "SchoolSummary",
            pb.SchoolSummaryRequest(school_id=s, period="2026"),
            INVALID,
            "period",
        ),
        Bad(
            "malformed date",
            "RecordPerformance",
            performance(occurred_on="2026-02-30"),
            INVALID,
            "occurred_on",
        ),
        Bad(
            "slashed date",
            "RegisterMember",
            member(joined_party_on="2012/07/01"),
            INVALID,
            "joined_party_on",
        ),
        Bad(
            "as_of not a time",
            "GetArchive",
            pb.GetArchiveRequest(school_id=s, member_id="m-1", as_of="yesterday"),
            INVALID,
            "as_of",
        ),
        Bad(
            "as_of without a zone",
            "GetArchive",
            pb.GetArchiveRequest(school_id=s, member_id="m-1", as_of="2026-01-01T08:00:00"),
            INVALID,
            "as_of",
        ),
        Bad(
            "as_of before the member existed",
            "GetArchive",
            pb.GetArchiveRequest(school_id=s, member_id="m-1", as_of="2001-01-01T00:00:00Z"),
            NOT_FOUND,
            "as_of",
        ),
        # -- dates in the future -------------------------------------------------------------
        Bad(
            "record dated tomorrow",
            "RecordPerformance",
            performance(occurred_on=TOMORROW),
            INVALID,
            "occurred_on",
        ),
        Bad(
            "joined the Party tomorrow",
            "RegisterMember",
            member(joined_party_on=TOMORROW),
            INVALID,
            "joined_party_on",
        ),
        Bad(
            "leaves tomorrow",
            "RecordMemberLeft",
            pb.RecordMemberLeftRequest(school_id=s, member_id="m-1", left_on=TOMORROW),
            INVALID,
            "left_on",
        ),
        Bad(
            "released tomorrow",
            "ReleaseMemberFromPost",
            pb.ReleaseMemberFromPostRequest(
                school_id=s, post_id="p-1", member_id="m-1", released_on=TOMORROW
            ),
            INVALID,
            "released_on",
        ),
        Bad(
            "self-assessment of a month not begun",
            "SubmitAssessment",
            assessment(period=NEXT_MONTH),
            INVALID,
            "period",
            member_self,
        ),
        Bad(
            "committee assessment of the calendar's last month",
            "SubmitAssessment",
            assessment(period="2100-12", tier="committee"),
            INVALID,
            "period",
        ),
        Bad(
            "post review of a month not begun",
            "ReviewModelPost",
            review(period=NEXT_MONTH),
            INVALID,
            "period",
        ),
        Bad(
            "closing a period not yet begun",
            "ClosePeriod",
            pb.ClosePeriodRequest(school_id=s, period=NEXT_YEAR),
            PRECONDITION,
            "period",
        ),
        *(
            Bad(
                f"closing {period}, which has not ended",
                "ClosePeriod",
                pb.ClosePeriodRequest(school_id=s, period=period.id),
                PRECONDITION,
                "period",
            )
            for period in periods_of(today())  # this month, quarter and academic year
        ),
        # -- the closed period ---------------------------------------------------------------
        Bad(
            "record dated in a closed month",
            "RecordPerformance",
            performance(occurred_on=IN_CLOSED_MONTH),
            PRECONDITION,
            "occurred_on",
        ),
        Bad(
            "self-assessment of a closed month",
            "SubmitAssessment",
            assessment(period=last_month()),
            PRECONDITION,
            "period",
            member_self,
        ),
        Bad(
            "post review of a closed month",
            "ReviewModelPost",
            review(period=last_month()),
            PRECONDITION,
            "period",
        ),
        Bad(
            "closing it again",
            "ClosePeriod",
            pb.ClosePeriodRequest(school_id=s, period=last_month()),
            PRECONDITION,
            "period",
        ),
        # -- other vocabulary and lifecycle --------------------------------------------------
        Bad("unknown role", "RegisterMember", member(roles=["principal"]), INVALID, "roles"),
        Bad("no role", "RegisterMember", member(roles=[]), INVALID, "roles"),
        Bad(
            "unknown record category",
            "RecordPerformance",
            performance(category="sports"),
            INVALID,
            "category",
        ),
        Bad(
            "unknown channel",
            "RecordPerformance",
            performance(channel="rumour"),
            INVALID,
            "channel",
        ),
        Bad(
            "empty description",
            "RecordPerformance",
            performance(description=""),
            INVALID,
            "description",
        ),
        Bad(
            "2001-character description",
            "RecordPerformance",
            performance(description="述" * 2001),
            INVALID,
            "description",
        ),
        Bad(
            "21 pieces of evidence",
            "RecordPerformance",
            performance(evidence=[f"doc-{n}" for n in range(21)]),
            INVALID,
            "evidence",
        ),
        Bad(
            "unknown post kind",
            "EstablishModelPost",
            pb.EstablishModelPostRequest(school_id=s, name="岗", kind="hero"),
            INVALID,
            "kind",
        ),
        Bad("unknown tier", "SubmitAssessment", assessment(tier="boss"), INVALID, "tier"),
        Bad(
            "unknown appeal subject",
            "FileAppeal",
            appeal(subject="score"),
            INVALID,
            "subject",
            member_self,
        ),
        Bad(
            "unknown appeal outcome",
            "ResolveAppeal",
            pb.ResolveAppealRequest(school_id=s, appeal_id=appeal_id, outcome="maybe", reason="-"),
            INVALID,
            "outcome",
        ),
        Bad(
            "rejection without a reason",
            "RejectRecord",
            pb.RejectRecordRequest(school_id=s, record_id="r-pending", reason=" "),
            INVALID,
            "reason",
        ),
        Bad(
            "page of 501",
            "ListMembers",
            pb.ListMembersRequest(school_id=s, page_size=501),
            INVALID,
            "page_size",
        ),
        Bad(
            "member registered twice",
            "RegisterMember",
            member(member_id="m-1"),
            PRECONDITION,
            "member_id",
        ),
        Bad(
            "branch established twice",
            "EstablishBranch",
            pb.EstablishBranchRequest(school_id=s, branch_id="b-a", name="语文"),
            PRECONDITION,
            "branch_id",
        ),
        Bad(
            "record id taken",
            "RecordPerformance",
            performance(record_id="r-pending"),
            PRECONDITION,
            "record_id",
        ),
        Bad(
            "verifying a verified record",
            "VerifyRecord",
            pb.VerifyRecordRequest(school_id=s, record_id="r-verified", awarded_points=1),
            PRECONDITION,
            "record_id",
        ),
        Bad(
            "correcting a pending record",
            "CorrectRecord",
            pb.CorrectRecordRequest(
                school_id=s, record_id="r-pending", awarded_points=1, reason="更正"
            ),
            PRECONDITION,
            "record_id",
        ),
        Bad(
            "transfer into the same branch",
            "TransferMember",
            pb.TransferMemberRequest(school_id=s, member_id="m-1", to_branch_id="b-a"),
            PRECONDITION,
            "to_branch_id",
        ),
        Bad(
            "assigning a post already held",
            "AssignMemberToPost",
            pb.AssignMemberToPostRequest(
                school_id=s, post_id="p-1", member_id="m-1", assigned_on=TODAY
            ),
            PRECONDITION,
            "member_id",
        ),
        Bad(
            "stale expected version",
            "TransferMember",
            pb.TransferMemberRequest(
                school_id=s, member_id="m-1", to_branch_id="b-b", expected_version=7
            ),
            ABORTED,
            "expected_version",
        ),
        Bad(
            "idempotency key reused for another request",
            "RecordPerformance",
            performance(
                description="另一件事", options=command_pb2.CommandOptions(idempotency_key=KEY)
            ),
            INVALID,
            "idempotency_key",
        ),
        Bad(
            "watching a member and a branch at once",
            "WatchArchive",
            pb.WatchArchiveRequest(school_id=s, member_id="m-1", branch_id="b-a"),
            INVALID,
            "member_id",
        ),
        *boundary_requests(archives),
    ]


def boundary_requests(archives: ArchivesService) -> list[Bad]:
    """Inputs outside the stated ranges and rules (docs/architecture.md, "Input boundaries"):
    each found by an outside acceptance run, where it was accepted or broke the call."""
    s = archives.school
    member_self = archives.member("m-1")

    def performance(**fields: Any) -> pb.RecordPerformanceRequest:
        values = {
            "school_id": s,
            "member_id": "m-1",
            "category": "study_training",
            "channel": "self_declared",
            "occurred_on": TODAY,
            "description": "自学党史",
            "claimed_points": 3,
            **fields,
        }
        return pb.RecordPerformanceRequest(**values)

    def member(**fields: Any) -> pb.RegisterMemberRequest:
        values = {
            "school_id": s,
            "member_id": "m-new",
            "name": "新党员",
            "branch_id": "b-a",
            "roles": ["teacher"],
            "joined_party_on": "2012-07-01",
            **fields,
        }
        return pb.RegisterMemberRequest(**values)

    def assessment(period: str) -> pb.SubmitAssessmentRequest:
        return pb.SubmitAssessmentRequest(
            school_id=s, member_id="m-1", period=period, tier="self", scores=scores(9, 9, 9, 9)
        )

    def review(period: str) -> pb.ReviewModelPostRequest:
        return pb.ReviewModelPostRequest(
            school_id=s, post_id="p-1", member_id="m-1", period=period, score=90
        )

    def archive(member_id: str = "m-1", as_of: str = "") -> pb.GetArchiveRequest:
        return pb.GetArchiveRequest(school_id=s, member_id=member_id, as_of=as_of)

    return [
        # -- dates, periods and times outside the school calendar ----------------------------
        Bad(
            "a member self-declares a record dated 0001-01-01",
            "RecordPerformance",
            performance(occurred_on="0001-01-01"),
            INVALID,
            "occurred_on",
            member_self,
        ),
        Bad(
            "a record dated the day before the calendar",
            "RecordPerformance",
            performance(occurred_on="1999-12-31"),
            INVALID,
            "occurred_on",
            member_self,
        ),
        Bad("post review in year 1", "ReviewModelPost", review("0001-06"), INVALID, "period"),
        Bad("post review in AY9999", "ReviewModelPost", review("AY9999"), INVALID, "period"),
        *(
            Bad(
                f"assessment of {p}",
                "SubmitAssessment",
                assessment(p),
                INVALID,
                "period",
                member_self,
            )
            for p in ("0000-01", "9999-Q4", "AY9999", "2101-01", "1999-12")
        ),
        Bad(
            "closing 9999-Q4",
            "ClosePeriod",
            pb.ClosePeriodRequest(school_id=s, period="9999-Q4"),
            INVALID,
            "period",
        ),
        Bad(
            "closing 0000-01",
            "ClosePeriod",
            pb.ClosePeriodRequest(school_id=s, period="0000-01"),
            INVALID,
            "period",
        ),
        Bad(
            "appeal on the evaluation of AY9999",
            "FileAppeal",
            pb.FileAppealRequest(
                school_id=s, member_id="m-1", subject="evaluation", subject_id="AY9999", reason="-"
            ),
            INVALID,
            "subject_id",
            member_self,
        ),
        Bad(
            "school summary of 0000-01",
            "SchoolSummary",
            pb.SchoolSummaryRequest(school_id=s, period="0000-01"),
            INVALID,
            "period",
        ),
        Bad(
            "branch summary of AY9999",
            "BranchSummary",
            pb.BranchSummaryRequest(school_id=s, branch_id="b-a", period="AY9999"),
            INVALID,
            "period",
        ),
        Bad(
            "explaining 9999-Q4",
            "ExplainEvaluation",
            pb.ExplainEvaluationRequest(school_id=s, member_id="m-1", period="9999-Q4"),
            INVALID,
            "period",
        ),
        Bad(
            "as_of whose offset overflows",
            "GetArchive",
            archive(as_of="0001-01-01T00:00:00+01:00"),
            INVALID,
            "as_of",
        ),
        Bad(
            "as_of in 9999",
            "GetArchive",
            archive(as_of="9999-12-31T23:59:59-01:00"),
            INVALID,
            "as_of",
        ),
        Bad(
            "as_of before the calendar",
            "GetArchive",
            archive(as_of="1999-12-31T23:59:59Z"),
            INVALID,
            "as_of",
        ),
        Bad(
            "joined the Party before it was founded",
            "RegisterMember",
            member(joined_party_on="1921-06-30"),
            INVALID,
            "joined_party_on",
        ),
        Bad(
            "left in year 1",
            "RecordMemberLeft",
            pb.RecordMemberLeftRequest(school_id=s, member_id="m-1", left_on="0001-01-01"),
            INVALID,
            "left_on",
        ),
        Bad(
            "released in 1999",
            "ReleaseMemberFromPost",
            pb.ReleaseMemberFromPostRequest(
                school_id=s, post_id="p-1", member_id="m-1", released_on="1999-12-31"
            ),
            INVALID,
            "released_on",
        ),
        # -- ids -----------------------------------------------------------------------------
        Bad(
            "member id ending in a newline",
            "RegisterMember",
            member(member_id="f1\n"),
            INVALID,
            "member_id",
        ),
        Bad(
            "branch id ending in a newline",
            "EstablishBranch",
            pb.EstablishBranchRequest(school_id=s, branch_id="b-c\n", name="英语支部"),
            INVALID,
            "branch_id",
        ),
        Bad(
            "a 65-character member id read",
            "GetMember",
            pb.GetMemberRequest(school_id=s, member_id="m" * 65),
            INVALID,
            "member_id",
        ),
        Bad("a 10,000-character member id read", "GetArchive", archive(HUGE), INVALID, "member_id"),
        Bad(
            "a member id with a newline exported",
            "ExportArchive",
            pb.ExportArchiveRequest(school_id=s, member_id="m-1\n"),
            INVALID,
            "member_id",
        ),
        Bad(
            "a 10,000-character branch summarised",
            "BranchSummary",
            pb.BranchSummaryRequest(school_id=s, branch_id=HUGE),
            INVALID,
            "branch_id",
        ),
        Bad(
            "a 10,000-character record verified",
            "VerifyRecord",
            pb.VerifyRecordRequest(school_id=s, record_id=HUGE, awarded_points=1),
            INVALID,
            "record_id",
        ),
        Bad(
            "a 10,000-character change to resume after",
            "WatchArchive",
            pb.WatchArchiveRequest(school_id=s, member_id="m-1", after_event_id=HUGE),
            INVALID,
            "after_event_id",
        ),
        Bad(
            "a 10,000-character school read",
            "GetMember",
            pb.GetMemberRequest(school_id=HUGE, member_id="m-1"),
            INVALID,
            "school_id",
        ),
        Bad(
            "a 10,000-character period",
            "SubmitAssessment",
            assessment(HUGE),
            INVALID,
            "period",
            member_self,
        ),
        # -- texts ---------------------------------------------------------------------------
        Bad(
            "a name with a right-to-left override",
            "RegisterMember",
            member(name="王\u202e明"),
            INVALID,
            "name",
        ),
        Bad("a name on two lines", "RegisterMember", member(name="王\n小明"), INVALID, "name"),
        Bad(
            "a branch name with a NUL",
            "EstablishBranch",
            pb.EstablishBranchRequest(school_id=s, branch_id="b-c", name="英语\x00支部"),
            INVALID,
            "name",
        ),
        Bad(
            "a description with a control character",
            "RecordPerformance",
            performance(description="自学\x1b[31m党史"),
            INVALID,
            "description",
            member_self,
        ),
        Bad(
            "a description of 10,000 characters",
            "RecordPerformance",
            performance(description=HUGE),
            INVALID,
            "description",
            member_self,
        ),
        Bad(
            "evidence on two lines",
            "RecordPerformance",
            performance(evidence=["doc-1", "doc\n2"]),
            INVALID,
            "evidence[1]",
            member_self,
        ),
        Bad(
            "a rejection reason with a bidi isolate",
            "RejectRecord",
            pb.RejectRecordRequest(school_id=s, record_id="r-pending", reason="\u2067不实\u2069"),
            INVALID,
            "reason",
        ),
        Bad(
            "post criteria with a bell",
            "EstablishModelPost",
            pb.EstablishModelPostRequest(school_id=s, name="岗", kind="staff", criteria="好\x07"),
            INVALID,
            "criteria",
        ),
        Bad(
            "an idempotency key with a control character",
            "RecordPerformance",
            performance(options=command_pb2.CommandOptions(idempotency_key="k\x00")),
            INVALID,
            "idempotency_key",
            member_self,
        ),
    ]


async def set_up(archives: ArchivesService) -> str:
    """The school the bad requests aim at; returns the id of m-1's open appeal."""
    s, committee = archives.school, archives.committee
    await archives.found_school((("b-a", "语文支部"), ("b-b", "数学支部")))
    await archives.register("m-1", "王小明", "b-a")
    await archives.record("m-1", record_id="r-pending")
    await archives.record("m-1", record_id="r-verified")
    await archives.verify("r-verified", 5)
    await archives.call(
        "RecordPerformance",
        pb.RecordPerformanceRequest(
            school_id=s,
            member_id="m-1",
            category="activities",
            channel="branch_investigation",
            occurred_on=TODAY,
            description="第一次",
            claimed_points=1,
            options=command_pb2.CommandOptions(idempotency_key=KEY, wait_visible=True),
        ),
        committee,
    )
    await archives.call(
        "EstablishModelPost",
        pb.EstablishModelPostRequest(
            school_id=s, post_id="p-1", name="党员职工示范岗", kind="staff", options=VISIBLE
        ),
        committee,
    )
    await archives.call(
        "AssignMemberToPost",
        pb.AssignMemberToPostRequest(
            school_id=s, post_id="p-1", member_id="m-1", assigned_on=TODAY, options=VISIBLE
        ),
        committee,
    )
    await archives.call(
        "ClosePeriod",
        pb.ClosePeriodRequest(school_id=s, period=last_month(), options=VISIBLE),
        committee,
    )
    appeal = await archives.call(
        "FileAppeal",
        pb.FileAppealRequest(
            school_id=s,
            member_id="m-1",
            subject="record",
            subject_id="r-verified",
            reason="分数偏低",
            options=VISIBLE,
        ),
        archives.member("m-1"),
    )
    return str(appeal.id)


async def refusal(archives: ArchivesService, bad: Bad) -> grpc.aio.AioRpcError:
    caller = bad.caller or archives.committee
    if bad.method == "WatchArchive":
        call = archives.stub.WatchArchive(bad.request, metadata=caller.metadata, timeout=10)
        return await failure(call.read())
    return await failure(archives.call(bad.method, bad.request, caller))


async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    archives: ArchivesService,
) -> None:
    appeal_id = await set_up(archives)
    archive_before = await archives.export("m-1")
    wrong: list[str] = []

    for bad in bad_requests(archives, appeal_id):
        head = await archives.head()
        error = await refusal(archives, bad)
        if (error.code(), field_of(error)) != (bad.code, bad.field):
            wrong.append(
                f"{bad.what}: {describe(error)[:300]}; expected {bad.code.name} {bad.field}"
            )
        if len(error.details() or "") > DETAILS_MAX:
            wrong.append(f"{bad.what}: the error quotes {len(error.details())} characters")
        if await archives.head() != head:
            wrong.append(f"{bad.what}: the store head moved")

    assert not wrong, "bad inputs:\n" + "\n".join(wrong)
    archive_after = await archives.export("m-1")
    assert (archive_after.json, archive_after.event_ids) == (
        archive_before.json,
        archive_before.event_ids,
    )


# Bytes that are no message: a truncated varint, a field of wire type 7, a string field that is
# not UTF-8, a length running past the end.
GARBAGE = (b"\xff\xff\xff\xff", b"\x0f", b"\x0a\x02\xff\xfe", b"\x0a\x7fabc")
PYTHON_NAMES = ("Error", "Exception", "google.", "protobuf", "Traceback", "class")


async def test_undecodable_bytes_are_invalid_argument_without_internal_names(
    archives: ArchivesService,
) -> None:
    """Raw bytes through a real channel (no serializer): commands, queries and the watch all
    answer INVALID_ARGUMENT, name nothing of Python, and write nothing."""
    await archives.found_school((("b-a", "语文支部"),))
    assert archives.channel is not None
    metadata = archives.committee.metadata
    service = "/vanguard.archives.v1.ArchiveService"
    head = await archives.head()
    wrong: list[str] = []
    for method in ("RegisterMember", "RecordPerformance", "GetArchive", "ClosePeriod"):
        call = archives.channel.unary_unary(f"{service}/{method}")
        for garbage in GARBAGE:
            error = await failure(call(garbage, metadata=metadata, timeout=10))
            if error.code() != INVALID or any(n in (error.details() or "") for n in PYTHON_NAMES):
                wrong.append(f"{method} {garbage!r}: {describe(error)}")
    watch = archives.channel.unary_stream(f"{service}/WatchArchive")
    error = await failure(watch(GARBAGE[0], metadata=metadata, timeout=10).read())
    if error.code() != INVALID:
        wrong.append(f"WatchArchive: {describe(error)}")
    assert not wrong, "\n".join(wrong)
    assert "could not be decoded" in (error.details() or "")
    assert await archives.head() == head


async def test_undecodable_bytes_without_a_token_are_unauthenticated(
    archives: ArchivesService,
) -> None:
    """Decoding is judged inside the call, after authentication, like any other input."""
    assert archives.channel is not None
    call = archives.channel.unary_unary("/vanguard.archives.v1.ArchiveService/GetArchive")
    error = await failure(call(GARBAGE[0], timeout=10))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED, describe(error)
