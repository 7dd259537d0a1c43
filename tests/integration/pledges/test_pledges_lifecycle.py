"""The whole pledge lifecycle through gRPC, with archives checking the member for real: a
teacher pledges, her branch sends it back, she revises and resubmits, the branch approves and
publishes it, she reports, the branch checks, and the pledge closes — fulfilled, or short of
it with a rectification that she reports and the branch completes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pledges_kit import School, event_types, progress, targets

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def stage(school: School, pledge_id: str) -> tuple[str, str]:
    pledge = await school.get(pledge_id)
    return pledge.status, pledge.pdca_stage


async def test_a_pledge_goes_round_the_whole_pdca_loop_to_fulfilled(school: School) -> None:
    wang, secretary = school.member("m-wang"), school.chinese

    # Plan: 王小明 pledges; archives knows her name and branch.
    made = await school.make("m-wang", targets=targets(7, 30))
    pledge = await school.get(made.id, wang)
    assert (made.stream_version, made.visible) == (1, True)
    assert (pledge.member_name, pledge.branch_id, pledge.status, pledge.pdca_stage) == (
        "王小明",
        "b-chinese",
        "submitted",
        "plan",
    )

    # The branch returns it; she revises and resubmits; the branch approves and publishes.
    await school.command("ReturnPledge", secretary, pledge_id=made.id, reason="目标要可量化")
    assert (await school.get(made.id)).return_reason == "目标要可量化"
    await school.command(
        "RevisePledge",
        wang,
        pledge_id=made.id,
        lead="work",
        title="每周一节公开课",
        description="带头做事",
        targets=targets(7, 30),
    )
    await school.command("ResubmitPledge", wang, pledge_id=made.id)
    await school.command("ApprovePledge", secretary, pledge_id=made.id, note="同意")
    assert await stage(school, made.id) == ("approved", "plan")
    await school.command("PublishPledge", secretary, pledge_id=made.id)
    assert await stage(school, made.id) == ("published", "do")

    # Do and Check: a report, partly accepted; a second, accepted in full.
    await school.command(
        "ReportFulfilment",
        wang,
        pledge_id=made.id,
        progress=progress((1, 100), (2, 60)),
        narrative="公开课 4 节,帮扶 1 名学生",
        evidence=["doc-117"],
    )
    assert await stage(school, made.id) == ("published", "check")
    await school.command(
        "VerifyFulfilment",
        secretary,
        pledge_id=made.id,
        report_id="r1",
        verdict="partially_accepted",
        accepted_progress=progress((1, 100), (2, 50)),
        note="帮扶记录只有一半",
    )
    assert await stage(school, made.id) == ("published", "do")
    await school.command(
        "ReportFulfilment",
        wang,
        pledge_id=made.id,
        progress=progress((2, 100)),
        narrative="帮扶 2 名学生",
        evidence=["doc-118"],
    )
    await school.command(
        "VerifyFulfilment", secretary, pledge_id=made.id, report_id="r2", verdict="accepted"
    )

    # Act: closed as fulfilled, nothing to rectify.
    await school.command("ClosePledge", secretary, pledge_id=made.id, outcome="fulfilled")
    done = await school.get(made.id, wang)
    assert (done.status, done.pdca_stage, done.outcome) == ("closed", "done", "fulfilled")
    assert [t.progress for t in done.targets] == [100, 100]
    assert [(r.report_id, r.status) for r in done.reports] == [
        ("r1", "partially_accepted"),
        ("r2", "accepted"),
    ]
    assert not done.HasField("rectification")

    # Every event names the member and is keyed by her, in the order it happened.
    envelopes = school.events("pledge", made.id)
    assert event_types(envelopes) == [
        "PledgeMade",
        "PledgeReturned",
        "PledgeRevised",
        "PledgeResubmitted",
        "PledgeApproved",
        "PledgePublished",
        "FulfilmentReported",
        "FulfilmentVerified",
        "FulfilmentReported",
        "FulfilmentVerified",
        "PledgeClosed",
    ]
    assert {(e.data["member_id"], e.partition_key) for e in envelopes} == {("m-wang", "m-wang")}
    assert envelopes[1].actor.role.value == "secretary"
    assert done.version == len(envelopes)


async def test_short_of_fulfilled_the_branch_requires_and_completes_a_rectification(
    school: School,
) -> None:
    li, secretary = school.member("m-li"), school.chinese
    pledge_id = await school.published("m-li")

    await school.command(
        "ClosePledge",
        secretary,
        pledge_id=pledge_id,
        outcome="unfulfilled",
        note="本学期未开展",
        rectification="下学期补上公开课并提交教案",
    )
    closed = await school.get(pledge_id, li)
    assert (closed.status, closed.pdca_stage, closed.outcome) == ("closed", "act", "unfulfilled")
    assert (closed.rectification.status, closed.rectification.requirement) == (
        "required",
        "下学期补上公开课并提交教案",
    )

    await school.command(
        "ReportRectification",
        li,
        pledge_id=pledge_id,
        narrative="已补上两节公开课",
        evidence=["doc-200"],
    )
    assert (await school.get(pledge_id)).rectification.status == "reported"
    await school.command("CompleteRectification", secretary, pledge_id=pledge_id, note="整改到位")

    done = await school.get(pledge_id, li)
    assert (done.pdca_stage, done.rectification.status, list(done.rectification.narratives)) == (
        "done",
        "completed",
        ["已补上两节公开课"],
    )
    assert event_types(school.events("pledge", pledge_id))[-4:] == [
        "PledgeClosed",
        "RectificationRequired",
        "RectificationReported",
        "RectificationCompleted",
    ]


async def test_a_pledge_withdrawn_before_publication_is_done(school: School) -> None:
    made = await school.make("m-wang")
    await school.command(
        "WithdrawPledge", school.member("m-wang"), pledge_id=made.id, reason="换一个承诺"
    )
    assert await stage(school, made.id) == ("withdrawn", "done")


async def test_the_sweep_flags_a_published_pledge_past_its_last_due_date_once(
    school: School,
) -> None:
    pledge_id = await school.published("m-zhao")
    last_due = date.fromisoformat((await school.get(pledge_id)).targets[-1].due_on)
    sweeper = school.runtime.sweeper
    assert sweeper is not None

    assert (school.id, pledge_id) not in sweeper.sweep_once(today=last_due)
    assert (school.id, pledge_id) in sweeper.sweep_once(today=last_due + timedelta(days=1))
    assert (school.id, pledge_id) not in sweeper.sweep_once(today=last_due + timedelta(days=9))

    envelopes = school.events("pledge", pledge_id)
    overdue = [e for e in envelopes if e.event_type == "PledgeOverdue"]
    assert len(overdue) == 1
    assert overdue[0].data["last_due_on"] == last_due.isoformat()
    assert overdue[0].actor.role.value == "service"
    assert await school.runtime.wait_visible(overdue[0].stream_id, len(envelopes), 10.0)
    pledge = await school.get(pledge_id)
    assert (pledge.overdue, pledge.pdca_stage) == (True, "do")
