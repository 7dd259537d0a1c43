"""Pledges at every step of their loop, built through their own commands (no I/O)."""

from __future__ import annotations

from datetime import date

from contracts.pledges import Progress, TargetTerms
from contracts.vocabulary import Lead, Outcome, Verdict
from pledges.domain.pledge import Pledge
from pledges.domain.terms import Terms

SECRETARY = "sec-chinese"
MEMBER = "m-wang"
FIRST_DUE, LAST_DUE = date(2026, 10, 15), date(2026, 12, 20)


def terms(title: str = "每周公开课一次") -> Terms:
    return Terms(
        lead=Lead.WORK,
        title=title,
        description="带头做事:上好每一节课",
        targets=(
            TargetTerms(number=1, description="公开课 4 节", due_on=FIRST_DUE),
            TargetTerms(number=2, description="帮扶学生 2 名", due_on=LAST_DUE),
        ),
    )


def made(pledge_id: str = "p-1") -> Pledge:
    pledge = Pledge("s1", pledge_id)
    pledge.make(
        member_id=MEMBER,
        member_name="王小明",
        branch_id="b-chinese",
        period="AY2026",
        terms=terms(),
    )
    return pledge


def published() -> Pledge:
    pledge = made()
    pledge.approve(SECRETARY, "")
    pledge.publish(SECRETARY)
    return pledge


def progress(*pairs: tuple[int, int]) -> tuple[Progress, ...]:
    return tuple(Progress(target=t, percent=p) for t, p in pairs)


def reported(*pairs: tuple[int, int]) -> Pledge:
    pledge = published()
    pledge.report_fulfilment(progress(*pairs), "上了四节公开课", ("doc-1",))
    return pledge


def fulfilled_so_far() -> Pledge:
    """Published, every target verified at 100%."""
    pledge = reported((1, 100), (2, 100))
    pledge.verify_fulfilment(SECRETARY, "r1", Verdict.ACCEPTED, (), "")
    return pledge


def closed(outcome: Outcome) -> Pledge:
    pledge = published()
    pledge.close(SECRETARY, outcome, "", "补上两节公开课")
    return pledge
