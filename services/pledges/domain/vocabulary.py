"""Pledges vocabulary (DESIGN.md §1): statuses, PDCA stages, verdicts, outcomes, reviewers.
The four leads (四个带头) are the archives' own vocabulary, shared as it stands."""

from __future__ import annotations

from enum import StrEnum

from archives.domain.vocabulary import Lead

__all__ = [
    "FeedbackStatus",
    "Lead",
    "Outcome",
    "PledgeStatus",
    "RectificationStatus",
    "ReportStatus",
    "ReviewerKind",
    "Stage",
    "Verdict",
]


class PledgeStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for the branch
    RETURNED = "returned"  # sent back with a reason; the member revises and resubmits
    APPROVED = "approved"
    PUBLISHED = "published"  # 公示: visible to the public
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Stage(StrEnum):
    """Where a pledge stands in its PDCA loop."""

    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"
    DONE = "done"


class Verdict(StrEnum):
    """The branch's verdict on one fulfilment report."""

    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class ReportStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class Outcome(StrEnum):
    """How a closed pledge ended."""

    FULFILLED = "fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    UNFULFILLED = "unfulfilled"


class RectificationStatus(StrEnum):
    """整改: the Act step for a pledge closed short of fulfilled."""

    REQUIRED = "required"
    REPORTED = "reported"  # the member has reported what they put right
    COMPLETED = "completed"  # the branch confirmed it


class ReviewerKind(StrEnum):
    """Who gives supervision feedback (监督)."""

    STUDENT = "student"
    PARENT = "parent"
    COLLEAGUE = "colleague"
    OTHER = "other"


class FeedbackStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    DISMISSED = "dismissed"
