"""Every archives command through gRPC, end to end: a real store, the relay to the session
broker, the projection consuming it back, and the answers read over gRPC.

Each test tells one part of a school's year: members join, move and leave; their work is
recorded through the three channels and verified by their branch; model posts are held and
reviewed; the three tiers assess them; appeals are heard; a month is closed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Any

import grpc
from archives_kit import (
    VISIBLE,
    ArchivesService,
    failure,
    last_month,
    scores,
    this_month,
    today,
)

from kernel.envelope import Role
from kernel.grpc.client import field_of
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import command_pb2

BRANCHES = (("b-chinese", "语文教研室党支部"), ("b-maths", "数学教研室党支部"))


async def test_members_join_move_and_leave_with_their_chinese_names_intact(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    secretary = archives.secretary("b-chinese")

    # The branch secretary enrols two teachers; the committee one more, with a generated id.
    joined = await archives.register(
        "m-wang", "王小明", "b-chinese", ("teacher", "head_teacher"), caller=secretary
    )
    await archives.register("m-ouyang", "欧阳·娜娜", "b-chinese", ("staff",), caller=secretary)
    generated = await archives.call(
        "RegisterMember",
        pb.RegisterMemberRequest(
            school_id=archives.school,
            name="司马相如",
            branch_id="b-maths",
            roles=["teacher"],
            joined_party_on="1999-10-01",
            options=VISIBLE,
        ),
        archives.committee,
    )

    assert (joined.id, joined.stream_version, joined.visible) == ("m-wang", 1, True)
    assert generated.id and generated.visible
    wang = await archives.call(
        "GetMember",
        pb.GetMemberRequest(school_id=archives.school, member_id="m-wang"),
        archives.member("m-wang"),
    )
    assert (wang.name, wang.branch_id, list(wang.roles), wang.active) == (
        "王小明",
        "b-chinese",
        ["teacher", "head_teacher"],
        True,
    )
    sima = await archives.call(
        "GetMember",
        pb.GetMemberRequest(school_id=archives.school, member_id=generated.id),
        archives.committee,
    )
    assert (sima.name, sima.joined_party_on) == ("司马相如", "1999-10-01")

    # 欧阳·娜娜 moves to the maths branch; 王小明 leaves the roll.
    moved = await archives.call(
        "TransferMember",
        pb.TransferMemberRequest(
            school_id=archives.school,
            member_id="m-ouyang",
            to_branch_id="b-maths",
            reason="调任数学组",
            expected_version=1,
            options=VISIBLE,
        ),
        archives.committee,
    )
    left = await archives.call(
        "RecordMemberLeft",
        pb.RecordMemberLeftRequest(
            school_id=archives.school,
            member_id="m-wang",
            left_on=today().isoformat(),
            reason="调离本校",
            options=VISIBLE,
        ),
        archives.committee,
    )

    assert (moved.stream_version, left.stream_version) == (2, 2)
    chinese = await archives.call(
        "ListMembers",
        pb.ListMembersRequest(school_id=archives.school, branch_id="b-chinese"),
        secretary,
    )
    maths = await archives.call(
        "ListMembers",
        pb.ListMembersRequest(school_id=archives.school, branch_id="b-maths"),
        archives.secretary("b-maths"),
    )
    assert [(m.member_id, m.active) for m in chinese.members] == [("m-wang", False)]
    assert sorted(m.name for m in maths.members) == ["司马相如", "欧阳·娜娜"]

    # The whole school, two to a page, in a stable order.
    pages: list[list[str]] = []
    token = ""
    while True:
        page = await archives.call(
            "ListMembers",
            pb.ListMembersRequest(school_id=archives.school, page_size=2, page_token=token),
            archives.committee,
        )
        pages.append([m.member_id for m in page.members])
        token = page.next_page_token
        if not token:
            break
    assert pages == [
        sorted(["m-wang", "m-ouyang", generated.id])[:2],
        sorted(["m-wang", "m-ouyang", generated.id])[2:],
    ]


async def test_four_records_through_three_channels_count_only_once_verified(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-li", "李红", "b-chinese")
    secretary = archives.secretary("b-chinese")

    # 李红 declares her own study; the branch records a public report and an investigation;
    # the committee records her duty performance.
    declared = await archives.record(
        "m-li",
        caller=archives.member("m-li"),
        category="study_training",
        channel="self_declared",
        points=3,
        description="完成党的二十大精神网络培训 40 学时",
    )
    reported = await archives.record(
        "m-li",
        caller=secretary,
        category="integrity",
        channel="public_report",
        points=4,
        description="家长来信:拒收礼品",
    )
    investigated = await archives.record(
        "m-li",
        caller=secretary,
        category="activities",
        channel="branch_investigation",
        points=2,
        description="参加社区志愿服务",
    )
    duty = await archives.record(
        "m-li",
        category="duty_performance",
        channel="branch_investigation",
        points=6,
    )

    before = await archives.archive("m-li")
    assert {(r.category, r.channel) for r in before.records} == {
        ("study_training", "self_declared"),
        ("integrity", "public_report"),
        ("activities", "branch_investigation"),
        ("duty_performance", "branch_investigation"),
    }
    assert {r.status for r in before.records} == {"pending"}
    assert before.verified_points == 0  # nothing counts, the public report included, unverified

    # The secretary verifies two, rejects one, then corrects an award; the committee verifies
    # the public report.
    await archives.verify(declared.id, 3, caller=secretary)
    await archives.verify(duty.id, 5, caller=secretary)
    await archives.call(
        "RejectRecord",
        pb.RejectRecordRequest(
            school_id=archives.school,
            record_id=investigated.id,
            reason="无法核实",
            options=VISIBLE,
        ),
        secretary,
    )
    await archives.call(
        "CorrectRecord",
        pb.CorrectRecordRequest(
            school_id=archives.school,
            record_id=duty.id,
            awarded_points=6,
            reason="补充材料后更正",
            expected_version=2,
            options=VISIBLE,
        ),
        secretary,
    )
    unverified_report = await archives.archive("m-li")
    assert unverified_report.verified_points == 3 + 6  # the public report still does not count

    await archives.verify(reported.id, 4)

    after = {r.record_id: r for r in (await archives.archive("m-li")).records}
    assert (await archives.archive("m-li")).verified_points == 3 + 6 + 4
    assert {rid: (r.status, r.awarded_points) for rid, r in after.items()} == {
        declared.id: ("verified", 3),
        reported.id: ("verified", 4),
        investigated.id: ("rejected", 0),
        duty.id: ("verified", 6),
    }
    # The verification trail: who (by role), what, and the points at every step.
    assert [(t.event_type, t.actor_role, t.points) for t in after[duty.id].trail] == [
        ("PerformanceRecorded", "committee", 6),
        ("RecordVerified", "secretary", 5),
        ("RecordCorrected", "secretary", 6),
    ]
    assert after[duty.id].trail[2].note == "补充材料后更正"
    assert after[investigated.id].trail[-1].note == "无法核实"
    assert after[declared.id].description == "完成党的二十大精神网络培训 40 学时"


async def test_a_member_never_verifies_their_own_record(archives: ArchivesService) -> None:
    await archives.found_school(BRANCHES)
    # The secretary of the Chinese branch is a member of it too.
    await archives.register("m-zhou", "周书记", "b-chinese")
    zhou_as_secretary = archives.secretary("b-chinese", subject="m-zhou")
    own = await archives.record("m-zhou", caller=archives.member("m-zhou"), channel="self_declared")
    head = await archives.head()

    for method, request in [
        (
            "VerifyRecord",
            pb.VerifyRecordRequest(school_id=archives.school, record_id=own.id, awarded_points=5),
        ),
        (
            "RejectRecord",
            pb.RejectRecordRequest(school_id=archives.school, record_id=own.id, reason="自查"),
        ),
    ]:
        error = await failure(archives.call(method, request, zhou_as_secretary))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, method

    assert await archives.head() == head
    await archives.verify(own.id, 5)  # the committee may
    error = await failure(
        archives.call(
            "CorrectRecord",
            pb.CorrectRecordRequest(
                school_id=archives.school, record_id=own.id, awarded_points=9, reason="自己改分"
            ),
            zhou_as_secretary,
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await archives.archive("m-zhou")).verified_points == 5


async def test_a_model_post_is_established_assigned_reviewed_and_released(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-chen", "陈静", "b-chinese", ("head_teacher",))
    committee = archives.committee

    post = await archives.call(
        "EstablishModelPost",
        pb.EstablishModelPostRequest(
            school_id=archives.school,
            name="党员班主任示范岗",
            kind="head_teacher",
            criteria="班级管理规范,家长满意度 95% 以上",
            options=VISIBLE,
        ),
        committee,
    )
    await archives.call(
        "AssignMemberToPost",
        pb.AssignMemberToPostRequest(
            school_id=archives.school,
            post_id=post.id,
            member_id="m-chen",
            assigned_on=today().isoformat(),
            options=VISIBLE,
        ),
        committee,
    )
    await archives.call(
        "ReviewModelPost",
        pb.ReviewModelPostRequest(
            school_id=archives.school,
            post_id=post.id,
            member_id="m-chen",
            period=this_month(),
            score=92,
            comment="示范作用突出",
            options=VISIBLE,
        ),
        committee,
    )
    held = await archives.archive("m-chen")
    school_while_held = await archives.call(
        "SchoolSummary", pb.SchoolSummaryRequest(school_id=archives.school), committee
    )
    await archives.call(
        "ReleaseMemberFromPost",
        pb.ReleaseMemberFromPostRequest(
            school_id=archives.school,
            post_id=post.id,
            member_id="m-chen",
            released_on=today().isoformat(),
            reason="任期届满",
            options=VISIBLE,
        ),
        committee,
    )
    released = await archives.archive("m-chen")

    assert post.id
    assert [(p.post_id, p.name, p.kind, p.released_on) for p in held.posts] == [
        (post.id, "党员班主任示范岗", "head_teacher", "")
    ]
    assert [(r.period, r.score, r.comment) for r in held.posts[0].reviews] == [
        (this_month(), 92, "示范作用突出")
    ]
    assert school_while_held.model_posts_held == 1
    assert released.posts[0].released_on == today().isoformat()
    assert len(released.posts[0].reviews) == 1


async def test_three_tier_assessments_keep_peer_ballots_sealed(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    colleagues = ["m-peer-1", "m-peer-2", "m-peer-3"]
    await archives.register("m-sun", "孙丽", "b-chinese")
    for n, colleague in enumerate(colleagues):
        await archives.register(colleague, f"同事{n + 1}", "b-chinese")
    period = this_month()

    def assessment(tier: str, values: pb.LeadScores) -> pb.SubmitAssessmentRequest:
        return pb.SubmitAssessmentRequest(
            school_id=archives.school,
            member_id="m-sun",
            period=period,
            tier=tier,
            scores=values,
            comment="",
            options=VISIBLE,
        )

    # Tier 1: 孙丽 assesses herself, then thinks again; the second supersedes the first.
    sun = archives.member("m-sun")
    first = await archives.call("SubmitAssessment", assessment("self", scores(80, 80, 80, 80)), sun)
    second = await archives.call(
        "SubmitAssessment", assessment("self", scores(85, 90, 95, 88)), sun
    )
    # Tier 2: three colleagues of her branch (one changes their ballot) and two members of
    # the public.
    for colleague in colleagues:
        await archives.call(
            "SubmitAssessment",
            assessment("peer", scores(90, 90, 90, 90)),
            archives.member(colleague),
        )
    await archives.call(
        "SubmitAssessment",
        assessment("peer", scores(70, 70, 70, 70)),
        archives.member(colleagues[0]),
    )
    for parent in ("parent-a", "parent-b"):
        await archives.call(
            "SubmitAssessment",
            assessment("public", scores(95, 95, 95, 95)),
            archives.caller(parent, Role.PUBLIC, parent),
        )
    # Tier 3: the committee.
    await archives.call(
        "SubmitAssessment", assessment("committee", scores(88, 89, 90, 91)), archives.committee
    )

    (entry,) = (await archives.archive("m-sun")).assessments
    assert first.stream_id == second.stream_id  # one self-assessment per member and period
    assert second.stream_version == 2
    assert entry.period == period
    assert entry.has_self and entry.has_committee
    assert (entry.self.study, entry.self.work, entry.self.discipline, entry.self.devotion) == (
        85,
        90,
        95,
        88,
    )
    assert (entry.peer_reviews, entry.public_reviews) == (3, 2)  # the changed ballot once
    assert entry.committee.devotion == 91

    # Sealed: neither the read model nor the event log names a reviewer.
    exported = await archives.export("m-sun")
    assert exported.event_ids and not any(c in exported.json for c in colleagues)
    assert archives.runtime is not None and archives.runtime.store is not None
    peer_events = [
        e
        for e in archives.runtime.store.read_all(limit=10_000)
        if e.event_type == "AssessmentSubmitted" and e.data["tier"] in ("peer", "public")
    ]
    assert len(peer_events) == 3 + 1 + 2
    assert not any(
        name in e.model_dump_json()
        for e in peer_events
        for name in (*colleagues, "parent-a", "parent-b")
    )
    assert len({e.stream_id for e in peer_events}) == 5  # one ballot per reviewer


async def test_an_appeal_is_filed_by_the_member_and_resolved_by_the_committee(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-he", "何平", "b-maths")
    rejected = await archives.record("m-he", points=5)
    await archives.call(
        "RejectRecord",
        pb.RejectRecordRequest(
            school_id=archives.school, record_id=rejected.id, reason="证明材料不足", options=VISIBLE
        ),
        archives.secretary("b-maths"),
    )

    on_record = await archives.call(
        "FileAppeal",
        pb.FileAppealRequest(
            school_id=archives.school,
            member_id="m-he",
            subject="record",
            subject_id=rejected.id,
            reason="已补交获奖证书",
            options=VISIBLE,
        ),
        archives.member("m-he"),
    )

    def about(period: str) -> pb.FileAppealRequest:
        return pb.FileAppealRequest(
            school_id=archives.school,
            member_id="m-he",
            subject="evaluation",
            subject_id=period,
            reason="互评人数不足",
            options=VISIBLE,
        )

    # An evaluation is appealed once published: its period closed.
    open_month = await failure(
        archives.call("FileAppeal", about(this_month()), archives.member("m-he"))
    )
    assert (open_month.code(), field_of(open_month)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "subject_id",
    )
    await archives.call(
        "ClosePeriod",
        pb.ClosePeriodRequest(school_id=archives.school, period=last_month(), options=VISIBLE),
        archives.committee,
    )
    on_evaluation = await archives.call("FileAppeal", about(last_month()), archives.member("m-he"))
    await archives.call(
        "ResolveAppeal",
        pb.ResolveAppealRequest(
            school_id=archives.school,
            appeal_id=on_record.id,
            outcome="upheld",
            reason="证书属实,重新核实",
            options=VISIBLE,
        ),
        archives.committee,
    )

    appeals = {a.appeal_id: a for a in (await archives.archive("m-he")).appeals}
    assert {k: (a.subject, a.subject_id, a.status, a.resolution) for k, a in appeals.items()} == {
        on_record.id: ("record", rejected.id, "upheld", "证书属实,重新核实"),
        on_evaluation.id: ("evaluation", last_month(), "filed", ""),
    }
    again = await failure(
        archives.call(
            "ResolveAppeal",
            pb.ResolveAppealRequest(
                school_id=archives.school,
                appeal_id=on_record.id,
                outcome="dismissed",
                reason="再议",
            ),
            archives.committee,
        )
    )
    assert (again.code(), field_of(again)) == (grpc.StatusCode.FAILED_PRECONDITION, "appeal_id")


async def test_a_closed_period_takes_no_more_records_or_assessments(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-xu", "徐兵", "b-chinese")
    closed_day = f"{last_month()}-15"
    before_close = await archives.record("m-xu", occurred_on=closed_day)

    closed = await archives.call(
        "ClosePeriod",
        pb.ClosePeriodRequest(school_id=archives.school, period=last_month(), options=VISIBLE),
        archives.committee,
    )
    head = await archives.head()
    late_record = await failure(archives.record("m-xu", occurred_on=closed_day))
    late_assessment = await failure(
        archives.call(
            "SubmitAssessment",
            pb.SubmitAssessmentRequest(
                school_id=archives.school,
                member_id="m-xu",
                period=last_month(),
                tier="self",
                scores=scores(90, 90, 90, 90),
            ),
            archives.member("m-xu"),
        )
    )

    assert closed.stream_id == f"{archives.school}/school/{archives.school}"
    assert (late_record.code(), field_of(late_record)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "occurred_on",
    )
    assert (late_assessment.code(), field_of(late_assessment)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "period",
    )
    # A record of the closed month is neither verified, rejected nor corrected any more.
    late_verify = await failure(archives.verify(before_close.id, 5))
    late_reject = await failure(
        archives.call(
            "RejectRecord",
            pb.RejectRecordRequest(
                school_id=archives.school, record_id=before_close.id, reason="材料不足"
            ),
            archives.committee,
        )
    )
    for refused in (late_record, late_assessment, late_verify, late_reject):
        assert f"period {last_month()}, closed by PeriodClosed " in str(refused.details())
    assert (late_verify.code(), field_of(late_verify)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "record_id",
    )
    assert (late_reject.code(), field_of(late_reject)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "record_id",
    )
    assert await archives.head() == head
    # What was recorded before the close stays as it was, and this month is still open.
    await archives.record("m-xu")
    assert [r.status for r in (await archives.archive("m-xu")).records] == ["pending", "pending"]


async def test_an_upheld_appeal_unlocks_exactly_its_subject_in_a_closed_period(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-xu", "徐兵", "b-chinese")
    await archives.register("m-lu", "陆敏", "b-chinese")
    closed_day = f"{last_month()}-15"
    pending = await archives.record("m-xu", occurred_on=closed_day)
    await archives.call(
        "ClosePeriod",
        pb.ClosePeriodRequest(school_id=archives.school, period=last_month(), options=VISIBLE),
        archives.committee,
    )

    async def appeal(member: str, subject: str, subject_id: str, outcome: str = "") -> str:
        filed = await archives.call(
            "FileAppeal",
            pb.FileAppealRequest(
                school_id=archives.school,
                member_id=member,
                subject=subject,
                subject_id=subject_id,
                reason="漏记",
                options=VISIBLE,
            ),
            archives.member(member),
        )
        if outcome:
            await archives.call(
                "ResolveAppeal",
                pb.ResolveAppealRequest(
                    school_id=archives.school,
                    appeal_id=filed.id,
                    outcome=outcome,
                    reason="复核",
                    options=VISIBLE,
                ),
                archives.committee,
            )
        return str(filed.id)

    on_record = await appeal("m-xu", "record", pending.id, "upheld")
    dismissed = await appeal("m-xu", "evaluation", last_month(), "dismissed")
    unresolved = await appeal("m-xu", "evaluation", last_month())
    others = await appeal("m-lu", "evaluation", last_month(), "upheld")
    head = await archives.head()

    async def refused(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str]:
        error = await failure(call)
        return error.code(), field_of(error)

    precondition = (grpc.StatusCode.FAILED_PRECONDITION, "appeal_id")
    assert await refused(archives.verify(pending.id, 5, appeal_id="a-unknown")) == (
        grpc.StatusCode.NOT_FOUND,
        "appeal_id",
    )
    assert await refused(archives.verify(pending.id, 5, appeal_id=dismissed)) == precondition
    assert await refused(archives.verify(pending.id, 5, appeal_id=unresolved)) == precondition
    assert await refused(archives.verify(pending.id, 5, appeal_id=others)) == precondition
    # A record appeal unlocks that record only, not a new record of the month.
    assert (
        await refused(archives.record("m-xu", occurred_on=closed_day, appeal_id=on_record))
        == precondition
    )
    # No appeal is needed, so none is taken, for an open period.
    assert await refused(archives.record("m-xu", appeal_id=on_record)) == precondition
    assert await archives.head() == head

    await archives.verify(pending.id, 5, appeal_id=on_record)
    # The other member's upheld appeal about the month lets their missing record in.
    await archives.record("m-lu", occurred_on=closed_day, appeal_id=others)
    assert [r.status for r in (await archives.archive("m-xu")).records] == ["verified"]
    assert len((await archives.archive("m-lu")).records) == 1


async def test_a_repeated_command_with_the_same_key_returns_the_original_result(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-gao", "高远", "b-chinese")
    request = pb.RecordPerformanceRequest(
        school_id=archives.school,
        member_id="m-gao",
        category="activities",
        channel="branch_investigation",
        occurred_on=today().isoformat(),
        description="组织读书会",
        claimed_points=2,
        options=command_pb2.CommandOptions(idempotency_key="gao-reading-club", wait_visible=True),
    )

    original = await archives.call("RecordPerformance", request, archives.committee)
    head = await archives.head()
    repeated = await archives.call("RecordPerformance", request, archives.committee)

    assert not original.replayed and repeated.replayed
    assert (repeated.id, repeated.stream_id, repeated.stream_version) == (
        original.id,
        original.stream_id,
        original.stream_version,
    )
    assert repeated.visible
    assert await archives.head() == head
    assert len((await archives.archive("m-gao")).records) == 1


async def test_roll_ups_compare_members_in_bands_not_ranks(archives: ArchivesService) -> None:
    await archives.found_school(BRANCHES)
    # Eight teachers of the Chinese branch with 1..8 verified points, one maths teacher.
    for n in range(1, 9):
        await archives.register(f"m-c{n}", f"语文老师{n}", "b-chinese")
        record = await archives.record(f"m-c{n}", points=n)
        await archives.verify(record.id, n)
    await archives.register("m-m1", "数学老师", "b-maths")
    await archives.record("m-m1", points=7)  # pending: counted as a record, not in points

    branch = await archives.call(
        "BranchSummary",
        pb.BranchSummaryRequest(school_id=archives.school, branch_id="b-chinese"),
        archives.secretary("b-chinese"),
    )
    school = await archives.call(
        "SchoolSummary", pb.SchoolSummaryRequest(school_id=archives.school), archives.committee
    )
    other_month = await archives.call(
        "SchoolSummary",
        pb.SchoolSummaryRequest(school_id=archives.school, period=last_month()),
        archives.committee,
    )

    assert (branch.members, branch.records, branch.verified_records, branch.pending_records) == (
        8,
        8,
        8,
        0,
    )
    assert branch.verified_points == sum(range(1, 9))
    # No scoring runs here: with no objective points published, the bands rank verified points
    # (the documented fallback) and say so.
    assert branch.bands_by == "verified_points"
    assert [(b.label, b.members, b.min_points, b.max_points) for b in branch.bands] == [
        ("top quarter", 2, 7, 8),
        ("second quarter", 2, 5, 6),
        ("third quarter", 2, 3, 4),
        ("bottom quarter", 2, 1, 2),
    ]
    # A band names how many, never who.
    assert "m-c" not in str(branch)
    assert (school.members, school.records, school.pending_records) == (9, 9, 1)
    assert [
        (line.branch_id, line.name, line.members, line.verified_points) for line in school.branches
    ] == [
        ("b-chinese", "语文教研室党支部", 8, 36),
        ("b-maths", "数学教研室党支部", 1, 0),
    ]
    assert other_month.verified_points == 0  # nothing was dated last month


async def test_watch_streams_every_change_and_export_names_every_event(
    archives: ArchivesService,
) -> None:
    await archives.found_school(BRANCHES)
    await archives.register("m-lin", "林晓", "b-chinese")
    member_watch = archives.stub.WatchArchive(
        pb.WatchArchiveRequest(school_id=archives.school, member_id="m-lin"),
        metadata=archives.member("m-lin").metadata,
        timeout=20,
    )
    branch_watch = archives.stub.WatchArchive(
        pb.WatchArchiveRequest(school_id=archives.school, branch_id="b-chinese"),
        metadata=archives.secretary("b-chinese").metadata,
        timeout=20,
    )
    await member_watch.initial_metadata()
    await branch_watch.initial_metadata()

    async def changes(call: grpc.aio.UnaryStreamCall, count: int) -> list[pb.ArchiveChange]:
        """The next `count` changes (each within 10 s); the end of the stream fails the test."""
        seen = []
        for _ in range(count):
            change = await asyncio.wait_for(call.read(), 10)
            assert isinstance(change, pb.ArchiveChange), f"the watch ended: {change!r}"
            seen.append(change)
        return seen

    # Both watches are open (the server answered with its metadata): every change from now on
    # streams to the watchers it concerns.
    recorded = await archives.record("m-lin", points=3)
    await archives.verify(recorded.id, 3)
    await archives.register("m-ye", "叶青", "b-chinese")

    seen_by_member = await changes(member_watch, 2)
    seen_by_branch = await changes(branch_watch, 3)
    member_watch.cancel()
    branch_watch.cancel()

    assert [c.event_type for c in seen_by_member] == ["PerformanceRecorded", "RecordVerified"]
    # Each change carries the archive as that change left it.
    assert [(c.archive.events, c.archive.verified_points) for c in seen_by_member] == [
        (2, 0),
        (3, 3),
    ]
    assert [(c.member_id, c.event_type) for c in seen_by_branch] == [
        ("m-lin", "PerformanceRecorded"),
        ("m-lin", "RecordVerified"),
        ("m-ye", "MemberRegistered"),
    ]

    exported = await archives.export("m-lin")
    archive = await archives.archive("m-lin")
    document = json.loads(exported.json)
    assert exported.member_id == "m-lin"
    assert len(exported.event_ids) == archive.events == 3
    assert [c.event_id for c in seen_by_member] == list(exported.event_ids[1:])
    assert document["member"]["name"] == "林晓"
    assert document["verified_points"] == 3
