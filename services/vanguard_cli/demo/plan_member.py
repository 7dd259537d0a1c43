"""One member's chains in the demo: records (three channels) and their verification, a
pledge through PDCA with public feedback, three-tier assessments of each closed month, and
model-post tenure with its reviews (the pledge: `plan_pledge`)."""

from __future__ import annotations

from contracts.periods import Period
from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard_cli.demo import texts
from vanguard_cli.demo.actors import COMMITTEE_ACTOR, leader_of, member_actor, rng
from vanguard_cli.demo.calendar import Calendar
from vanguard_cli.demo.people import Teacher, colleagues
from vanguard_cli.demo.steps import Actor, Chain, Step, fixed

CATEGORIES = tuple(texts.RECORDS)
LEADS = tuple(texts.PLEDGES)
# record number -> (channel, which month: 0/1 closed, 2 the anchor month)
RECORD_SHAPES = (
    ("self_declared", 0),
    ("branch_investigation", 1),
    ("public_report", 1),
    ("self_declared", 2),
)


def records(t: Teacher, calendar: Calendar) -> Chain:
    draw = rng(t, "records")
    months = (*calendar.closed, calendar.anchor)
    chain: Chain = []
    for number, (channel, month_index) in enumerate(RECORD_SHAPES, 1):
        record_id = f"{t.member_id}-r{number}"
        category = CATEGORIES[(t.index + number) % len(CATEGORIES)]
        # the anchor month's record is dated on its first day: never in the future
        day = 1 if month_index == 2 else draw.randint(2, 27)
        claimed = float(draw.randint(2, 6))
        request = apb.RecordPerformanceRequest(
            member_id=t.member_id, record_id=record_id, category=category, channel=channel,
            occurred_on=calendar.day(months[month_index], day).isoformat(),
            description=draw.choice(texts.RECORDS[category]),
            evidence=[f"doc-{record_id}"], claimed_points=claimed,
        )  # fmt: skip
        author = member_actor(t) if channel == "self_declared" else leader_of(t)
        chain.append(Step("archives", "record_performance", author, f"demo/record/{record_id}",
                          fixed(request)))  # fmt: skip
        if month_index == 2 and t.index % 2:
            continue  # left pending: the branch has work to do
        awarded = claimed - (0.5 if draw.random() < 0.3 else 0.0)
        verify = apb.VerifyRecordRequest(
            record_id=record_id, awarded_points=awarded, note="经支部核实"
        )
        key = f"demo/verify/{record_id}"
        chain.append(Step("archives", "verify_record", leader_of(t), key, fixed(verify)))
    return chain


def assessments(t: Teacher, month: Period) -> Chain:
    draw = rng(t, f"assessments/{month.id}")

    def scores() -> apb.LeadScores:
        low = 70 + t.index % 12
        return apb.LeadScores(**{lead: float(draw.randint(low, 98)) for lead in LEADS})

    def step(actor: Actor, tier: str, who: str) -> Step:
        request = apb.SubmitAssessmentRequest(
            member_id=t.member_id, period=month.id, tier=tier, scores=scores()
        )
        key = f"demo/assess/{month.id}/{t.member_id}/{tier}/{who}"
        return Step("archives", "submit_assessment", actor, key, fixed(request))

    chain = [step(member_actor(t), "self", "self")]
    chain += [step(member_actor(c), "peer", c.member_id) for c in colleagues(t, 3)]
    chain += [step(Actor(Role.PUBLIC, f"parent-{k}"), "public", f"parent-{k}") for k in (1, 2, 3)]
    chain.append(step(COMMITTEE_ACTOR, "committee", "committee"))
    return chain


def post_chain(t: Teacher, calendar: Calendar) -> Chain:
    """Head teachers hold the head-teacher model post, the first three staff the staff post."""
    if t.head_teacher:
        post_id = "head-teacher-post"
    elif t.staff and t.index % 10 < 3:
        post_id = "staff-post"
    else:
        return []
    draw = rng(t, "post")
    assigned = calendar.closed[0].start.isoformat()
    chain = [
        Step("archives", "assign_member_to_post", COMMITTEE_ACTOR,
             f"demo/assign/{post_id}/{t.member_id}",
             fixed(apb.AssignMemberToPostRequest(
                 post_id=post_id, member_id=t.member_id, assigned_on=assigned))),
    ]  # fmt: skip
    for month in calendar.closed:
        score = float(draw.randint(80, 96))
        chain.append(
            Step("archives", "review_model_post", COMMITTEE_ACTOR,
                 f"demo/post-review/{post_id}/{t.member_id}/{month.id}",
                 fixed(apb.ReviewModelPostRequest(
                     post_id=post_id, member_id=t.member_id, period=month.id, score=score,
                     comment="示范带头作用明显"))))  # fmt: skip
    return chain
