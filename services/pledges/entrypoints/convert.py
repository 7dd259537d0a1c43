"""Mapping between pledges protobuf messages, commands and the read model's documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kernel.grpc.replies import stated
from pledges import commands as c
from pledges.readmodel.documents import Document
from vanguard.pledges.v1 import pledges_pb2 as pb


def target_specs(messages: Iterable[pb.TargetSpec]) -> tuple[c.TargetSpec, ...]:
    return tuple(c.TargetSpec(m.description, m.due_on) for m in messages)


def figures(messages: Iterable[pb.TargetProgress]) -> tuple[c.TargetFigure, ...]:
    return tuple(c.TargetFigure(m.target, stated(m, "percent")) for m in messages)


def _progress(items: list[dict[str, Any]]) -> list[pb.TargetProgress]:
    return [pb.TargetProgress(target=p["target"], percent=p["percent"]) for p in items]


def _targets(document: Document) -> list[pb.Target]:
    return [
        pb.Target(
            number=t["number"],
            description=t["description"],
            due_on=t["due_on"],
            progress=t["progress"],
        )
        for t in document["targets"]
    ]


def _report(r: dict[str, Any]) -> pb.FulfilmentReport:
    return pb.FulfilmentReport(
        report_id=r["report_id"],
        progress=_progress(r["progress"]),
        narrative=r["narrative"],
        evidence=r["evidence"],
        status=r["status"],
        accepted_progress=_progress(r["accepted_progress"]),
        note=r["note"],
        reported_at=r["reported_at"],
        verified_at=r["verified_at"],
    )


def _feedback_summary(summary: dict[str, int]) -> pb.FeedbackSummary:
    verified = summary["verified"]
    average = round(summary["rating_sum"] / verified, 2) if verified else 0.0
    return pb.FeedbackSummary(verified=verified, pending=summary["pending"], average_rating=average)


def pledge(d: Document) -> pb.Pledge:
    rectification = d["rectification"]
    return pb.Pledge(
        school_id=d["school_id"],
        pledge_id=d["pledge_id"],
        member_id=d["member_id"],
        member_name=d["member_name"],
        branch_id=d["branch_id"],
        period=d["period"],
        lead=d["lead"],
        title=d["title"],
        description=d["description"],
        targets=_targets(d),
        status=d["status"],
        pdca_stage=d["pdca_stage"],
        overdue=d["overdue"],
        return_reason=d["return_reason"],
        reports=[_report(r) for r in d["reports"]],
        outcome=d["outcome"],
        close_note=d["close_note"],
        rectification=pb.Rectification(**rectification) if rectification else None,
        feedback=_feedback_summary(d["feedback"]),
        version=d["version"],
        made_at=d["made_at"],
        published_at=d["published_at"],
    )


def public_pledge(d: Document) -> pb.PublicPledge:
    return pb.PublicPledge(
        pledge_id=d["pledge_id"],
        member_name=d["member_name"],
        branch_id=d["branch_id"],
        period=d["period"],
        lead=d["lead"],
        title=d["title"],
        description=d["description"],
        targets=_targets(d),
        status=d["status"],
        outcome=d["outcome"],
        overdue=d["overdue"],
        feedback=_feedback_summary(d["feedback"]),
        published_at=d["published_at"],
    )


def feedback(d: Document) -> pb.Feedback:
    return pb.Feedback(
        feedback_id=d["feedback_id"],
        pledge_id=d["pledge_id"],
        member_id=d["member_id"],
        rating=d["rating"],
        text=d["text"],
        reviewer_kind=d["reviewer_kind"],
        status=d["status"],
        note=d["note"],
        contact=d.get("contact", ""),
        given_at=d["given_at"],
        version=d["version"],
    )
