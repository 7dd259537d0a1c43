"""Commands of the pledges service, in the imperative. Raw values as the caller sent them;
the handlers validate them and name the field at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetSpec:
    description: str
    due_on: str


@dataclass(frozen=True)
class TargetFigure:
    target: int
    percent: int | None  # None: left unset, refused as missing


@dataclass(frozen=True)
class MakePledge:
    school_id: str
    member_id: str
    period: str
    lead: str
    title: str
    description: str
    targets: tuple[TargetSpec, ...]


@dataclass(frozen=True)
class ApprovePledge:
    school_id: str
    pledge_id: str
    note: str = ""


@dataclass(frozen=True)
class ReturnPledge:
    school_id: str
    pledge_id: str
    reason: str


@dataclass(frozen=True)
class RevisePledge:
    school_id: str
    pledge_id: str
    lead: str
    title: str
    description: str
    targets: tuple[TargetSpec, ...]


@dataclass(frozen=True)
class ResubmitPledge:
    school_id: str
    pledge_id: str


@dataclass(frozen=True)
class PublishPledge:
    school_id: str
    pledge_id: str


@dataclass(frozen=True)
class WithdrawPledge:
    school_id: str
    pledge_id: str
    reason: str = ""


@dataclass(frozen=True)
class ReportFulfilment:
    school_id: str
    pledge_id: str
    progress: tuple[TargetFigure, ...]
    narrative: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerifyFulfilment:
    school_id: str
    pledge_id: str
    report_id: str
    verdict: str
    accepted_progress: tuple[TargetFigure, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ClosePledge:
    school_id: str
    pledge_id: str
    outcome: str
    note: str = ""
    rectification: str = ""


@dataclass(frozen=True)
class ReportRectification:
    school_id: str
    pledge_id: str
    narrative: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompleteRectification:
    school_id: str
    pledge_id: str
    note: str = ""


@dataclass(frozen=True)
class GiveFeedback:
    school_id: str
    pledge_id: str
    rating: int
    text: str
    reviewer_kind: str
    contact: str = ""


@dataclass(frozen=True)
class VerifyFeedback:
    school_id: str
    feedback_id: str
    note: str = ""


@dataclass(frozen=True)
class DismissFeedback:
    school_id: str
    feedback_id: str
    reason: str
