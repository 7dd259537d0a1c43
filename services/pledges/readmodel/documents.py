"""Pledges and feedback as the read model keeps them: JSON documents folded from events.
The PDCA stage is derived by the domain's own `stage_of`, so the read model and the aggregate
cannot disagree on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.stage import stage_of
from contracts.vocabulary import Outcome, PledgeStatus, RectificationStatus
from kernel.envelope import Envelope

Document = dict[str, Any]
Fold = Callable[[Document, Envelope, dict[str, Any]], None]


def _when(envelope: Envelope) -> str:
    return envelope.occurred_at.isoformat()


def new_pledge(envelope: Envelope, data: dict[str, Any]) -> Document:
    return {
        "school_id": envelope.school_id,
        "pledge_id": data["pledge_id"],
        "member_id": data["member_id"],
        "member_name": data["member_name"],
        "branch_id": data["branch_id"],
        "period": data["period"],
        "status": PledgeStatus.SUBMITTED.value,
        "overdue": False,
        "return_reason": "",
        "reports": [],
        "outcome": "",
        "close_note": "",
        "rectification": None,
        "feedback": {"verified": 0, "pending": 0, "rating_sum": 0},
        "made_at": _when(envelope),
        "published_at": "",
        **_terms(data),
    }


def _terms(data: dict[str, Any]) -> Document:
    return {
        "lead": data["lead"],
        "title": data["title"],
        "description": data["description"],
        "targets": [{**target, "progress": 0} for target in data["targets"]],
    }


def restage(document: Document) -> None:
    rectification = document["rectification"]
    document["pdca_stage"] = stage_of(
        PledgeStatus(document["status"]),
        report_pending=any(r["status"] == "pending" for r in document["reports"]),
        outcome=Outcome(document["outcome"]) if document["outcome"] else None,
        rectification=RectificationStatus(rectification["status"]) if rectification else None,
    ).value


def _status(status: PledgeStatus) -> Fold:
    def fold(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
        document["status"] = status.value
        if status is PledgeStatus.PUBLISHED:
            document["published_at"] = _when(envelope)

    return fold


def _returned(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document.update(status=PledgeStatus.RETURNED.value, return_reason=data["reason"])


def _revised(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document.update(_terms(data))


def _reported(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document["reports"].append(
        {
            "report_id": data["report_id"],
            "progress": data["progress"],
            "narrative": data["narrative"],
            "evidence": data["evidence"],
            "status": "pending",
            "accepted_progress": [],
            "note": "",
            "reported_at": _when(envelope),
            "verified_at": "",
        }
    )


def _verified(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    report = next(r for r in document["reports"] if r["report_id"] == data["report_id"])
    report.update(
        status=data["verdict"],
        accepted_progress=data["accepted_progress"],
        note=data["note"],
        verified_at=_when(envelope),
    )
    accepted = {p["target"]: p["percent"] for p in data["accepted_progress"]}
    for target in document["targets"]:
        target["progress"] = accepted.get(target["number"], target["progress"])


def _overdue(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document["overdue"] = True


def _closed(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document.update(
        status=PledgeStatus.CLOSED.value, outcome=data["outcome"], close_note=data["note"]
    )


def _rectification_required(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document["rectification"] = {
        "status": RectificationStatus.REQUIRED.value,
        "requirement": data["requirement"],
        "narratives": [],
        "note": "",
    }


def _rectification_reported(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document["rectification"]["status"] = RectificationStatus.REPORTED.value
    document["rectification"]["narratives"].append(data["narrative"])


def _rectification_completed(document: Document, envelope: Envelope, data: dict[str, Any]) -> None:
    document["rectification"].update(status=RectificationStatus.COMPLETED.value, note=data["note"])


PLEDGE_FOLDS: dict[str, Fold] = {
    "PledgeApproved": _status(PledgeStatus.APPROVED),
    "PledgeReturned": _returned,
    "PledgeRevised": _revised,
    "PledgeResubmitted": _status(PledgeStatus.SUBMITTED),
    "PledgePublished": _status(PledgeStatus.PUBLISHED),
    "PledgeWithdrawn": _status(PledgeStatus.WITHDRAWN),
    "FulfilmentReported": _reported,
    "FulfilmentVerified": _verified,
    "PledgeOverdue": _overdue,
    "PledgeClosed": _closed,
    "RectificationRequired": _rectification_required,
    "RectificationReported": _rectification_reported,
    "RectificationCompleted": _rectification_completed,
}


def new_feedback(envelope: Envelope, data: dict[str, Any]) -> Document:
    return {
        "feedback_id": data["feedback_id"],
        "pledge_id": data["pledge_id"],
        "member_id": data["member_id"],
        "branch_id": data["branch_id"],
        "rating": data["rating"],
        "text": data["text"],
        "reviewer_kind": data["reviewer_kind"],
        "status": "pending",
        "note": "",
        "given_at": _when(envelope),
    }
