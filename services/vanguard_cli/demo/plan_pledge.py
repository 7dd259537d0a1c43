"""One member's pledge through PDCA: made (Plan), approved and published (公示), watched by
the public (feedback, verified), reported on (Do) and verified (Check); some are closed
fulfilled, one short of it with a rectification required (Act), some await verification."""

from __future__ import annotations

from kernel.envelope import Role
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard_cli.demo import texts
from vanguard_cli.demo.actors import leader_of, member_actor, rng
from vanguard_cli.demo.calendar import Calendar
from vanguard_cli.demo.people import Teacher
from vanguard_cli.demo.steps import Actor, Chain, Step

LEADS = tuple(texts.PLEDGES)
RECTIFIED = 14  # the member whose pledge closes partially fulfilled


def _fulfils(t: Teacher) -> bool:
    return t.index % 6 == 5


def _awaits_check(t: Teacher) -> bool:
    return t.index % 7 == 3 and not _fulfils(t) and t.index != RECTIFIED


def pledge_chain(t: Teacher, calendar: Calendar) -> Chain:
    lead = LEADS[t.index % len(LEADS)]
    title, (first, second) = texts.PLEDGES[lead]
    me, leader = member_actor(t), leader_of(t)
    key = f"demo/pledge/{t.member_id}"
    made = pb.MakePledgeRequest(
        member_id=t.member_id, period=calendar.pledge_period.id, lead=lead, title=title,
        description=f"{texts.PLEDGES[lead][0]}:{t.name}的学期承诺",
        targets=[
            pb.TargetSpec(description=first, due_on=calendar.due(3).isoformat()),
            pb.TargetSpec(description=second, due_on=calendar.due(5).isoformat()),
        ],
    )  # fmt: skip

    def on_pledge(kind: type, **fields: object):  # type: ignore[no-untyped-def]
        return lambda saved: kind(pledge_id=saved["pledge"], **fields)

    chain = [
        Step("pledges", "make_pledge", me, key, lambda _: made, saves="pledge"),
        Step("pledges", "approve_pledge", leader, f"{key}/approve",
             on_pledge(pb.ApprovePledgeRequest, note="目标明确,可量化")),
        Step("pledges", "publish_pledge", leader, f"{key}/publish",
             on_pledge(pb.PublishPledgeRequest)),
    ]  # fmt: skip
    if t.index % 2 == 0:
        chain += _feedback(t, leader, key)
    chain += _fulfilment(t, me, leader, key, on_pledge)
    chain[-1] = _visible(chain[-1])
    return chain


def _feedback(t: Teacher, leader: Actor, key: str) -> Chain:
    draw = rng(t, "feedback")
    kind = "parent" if t.index % 4 == 0 else "student"
    public = Actor(Role.PUBLIC, f"{kind}-of-{t.member_id}")
    rating, text = draw.randint(4, 5), draw.choice(texts.FEEDBACK)
    return [
        Step("pledges", "give_feedback", public, f"{key}/feedback",
             lambda saved: pb.GiveFeedbackRequest(
                 pledge_id=saved["pledge"], rating=rating, text=text, reviewer_kind=kind),
             saves="feedback"),
        Step("pledges", "verify_feedback", leader, f"{key}/feedback/verify",
             lambda saved: pb.VerifyFeedbackRequest(
                 feedback_id=saved["feedback"], note="经核实属实")),
    ]  # fmt: skip


def _fulfilment(t: Teacher, me: Actor, leader: Actor, key: str, on_pledge) -> Chain:  # type: ignore[no-untyped-def]
    draw = rng(t, "fulfilment")
    done = _fulfils(t)
    first, second = (100, 100) if done else (draw.randint(5, 10) * 10, draw.randint(3, 9) * 10)
    progress = [
        pb.TargetProgress(target=1, percent=first),
        pb.TargetProgress(target=2, percent=second),
    ]
    chain = [
        Step("pledges", "report_fulfilment", me, f"{key}/report",
             on_pledge(pb.ReportFulfilmentRequest, progress=progress,
                       narrative="按计划推进,阶段目标已完成", evidence=[f"doc-{t.member_id}-p1"])),
    ]  # fmt: skip
    if _awaits_check(t):
        return chain
    chain.append(
        Step("pledges", "verify_fulfilment", leader, f"{key}/report/verify",
             on_pledge(pb.VerifyFulfilmentRequest, report_id="r1", verdict="accepted"))
    )  # fmt: skip
    if done:
        chain.append(
            Step("pledges", "close_pledge", leader, f"{key}/close",
                 on_pledge(pb.ClosePledgeRequest, outcome="fulfilled", note="承诺全部兑现"))
        )  # fmt: skip
    elif t.index == RECTIFIED:
        chain.append(
            Step("pledges", "close_pledge", leader, f"{key}/close",
                 on_pledge(pb.ClosePledgeRequest, outcome="partially_fulfilled",
                           note="部分目标未完成", rectification="下月补齐未完成的目标"))
        )  # fmt: skip
    return chain


def _visible(step: Step) -> Step:
    from dataclasses import replace

    return replace(step, visible=True)
