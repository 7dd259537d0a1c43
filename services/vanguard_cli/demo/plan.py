"""The demo school as phases of command chains. Deterministic: the same calendar gives the
same requests and keys (scores and points come from a generator seeded per member).

Phases: the school, branches and posts; the members (visible before pledges ask archives
about them); then every member's records, pledges, assessments and post reviews; last, the
two months close (stars are awarded)."""

from __future__ import annotations

from vanguard.archives.v1 import archives_pb2 as apb
from vanguard_cli.demo import texts
from vanguard_cli.demo.actors import COMMITTEE_ACTOR
from vanguard_cli.demo.calendar import Calendar
from vanguard_cli.demo.people import BRANCHES, SCHOOL_NAME, TEACHERS, Teacher
from vanguard_cli.demo.plan_member import assessments, post_chain, records
from vanguard_cli.demo.plan_pledge import pledge_chain
from vanguard_cli.demo.steps import Chain, Phase, Saved, Step, fixed


def plan(calendar: Calendar) -> list[Phase]:
    return [
        [_founding()],
        [[_register(t)] for t in TEACHERS],
        [chain for t in TEACHERS for chain in _member_chains(t, calendar)],
        [_closing(calendar)],
    ]


def _founding() -> Chain:
    c = COMMITTEE_ACTOR
    steps = [
        Step("archives", "register_school", c, "demo/school",
             fixed(apb.RegisterSchoolRequest(name=SCHOOL_NAME))),
    ]  # fmt: skip
    for branch_id, name in BRANCHES:
        steps.append(
            Step("archives", "establish_branch", c, f"demo/branch/{branch_id}",
                 fixed(apb.EstablishBranchRequest(branch_id=branch_id, name=name)))
        )  # fmt: skip
    for post_id, name, kind, criteria in texts.POSTS:
        steps.append(
            Step("archives", "establish_model_post", c, f"demo/post/{post_id}",
                 fixed(apb.EstablishModelPostRequest(
                     post_id=post_id, name=name, kind=kind, criteria=criteria)))
        )  # fmt: skip
    return steps


def _register(t: Teacher) -> Step:
    def build(_: Saved) -> apb.RegisterMemberRequest:
        joined = f"{1995 + t.index % 20}-07-01"
        return apb.RegisterMemberRequest(
            member_id=t.member_id, name=t.name, branch_id=t.branch_id, roles=list(t.roles),
            joined_party_on=joined,
        )  # fmt: skip

    return Step("archives", "register_member", COMMITTEE_ACTOR, f"demo/member/{t.member_id}",
                build, visible=True)  # fmt: skip


def _member_chains(t: Teacher, calendar: Calendar) -> list[Chain]:
    chains = [records(t, calendar), pledge_chain(t, calendar)]
    chains += [assessments(t, month) for month in calendar.closed]
    post = post_chain(t, calendar)
    return chains + ([post] if post else [])


def _closing(calendar: Calendar) -> Chain:
    return [
        Step("archives", "close_period", COMMITTEE_ACTOR, f"demo/close/{month.id}",
             fixed(apb.ClosePeriodRequest(period=month.id)), visible=True)
        for month in calendar.closed
    ]  # fmt: skip


def count(phases: list[Phase]) -> int:
    return sum(len(chain) for phase in phases for chain in phase)
