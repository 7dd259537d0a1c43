"""Commands of the archives service, in the imperative. Raw values as the caller sent them;
the handlers validate them and name the field at fault."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.store import added_later


@dataclass(frozen=True)
class RegisterSchool:
    school_id: str
    name: str


@dataclass(frozen=True)
class EstablishBranch:
    school_id: str
    branch_id: str
    name: str


@dataclass(frozen=True)
class ClosePeriod:
    school_id: str
    period: str


@dataclass(frozen=True)
class RegisterMember:
    school_id: str
    member_id: str
    name: str
    branch_id: str
    roles: tuple[str, ...]
    joined_party_on: str


@dataclass(frozen=True)
class TransferMember:
    school_id: str
    member_id: str
    to_branch_id: str
    reason: str = ""


@dataclass(frozen=True)
class RecordMemberLeft:
    school_id: str
    member_id: str
    left_on: str
    reason: str = ""


@dataclass(frozen=True)
class RecordPerformance:
    school_id: str
    member_id: str
    record_id: str
    category: str
    channel: str
    occurred_on: str
    description: str
    evidence: tuple[str, ...]
    claimed_points: float | None  # None: left unset, refused as missing
    appeal_id: str = added_later()  # an upheld appeal that unlocks its closed period


@dataclass(frozen=True)
class VerifyRecord:
    school_id: str
    record_id: str
    awarded_points: float | None
    note: str = ""
    appeal_id: str = added_later()  # an upheld appeal that unlocks its closed period


@dataclass(frozen=True)
class RejectRecord:
    school_id: str
    record_id: str
    reason: str
    appeal_id: str = added_later()  # an upheld appeal that unlocks its closed period


@dataclass(frozen=True)
class CorrectRecord:
    school_id: str
    record_id: str
    awarded_points: float | None
    reason: str
    appeal_id: str = added_later()  # an upheld appeal that unlocks its closed period


@dataclass(frozen=True)
class EstablishModelPost:
    school_id: str
    post_id: str
    name: str
    kind: str
    criteria: str


@dataclass(frozen=True)
class AssignMemberToPost:
    school_id: str
    post_id: str
    member_id: str
    assigned_on: str


@dataclass(frozen=True)
class ReviewModelPost:
    school_id: str
    post_id: str
    member_id: str
    period: str
    score: float | None
    comment: str = ""
    appeal_id: str = added_later()  # an upheld appeal that unlocks its closed period


@dataclass(frozen=True)
class ReleaseMemberFromPost:
    school_id: str
    post_id: str
    member_id: str
    released_on: str
    reason: str = ""


@dataclass(frozen=True)
class SubmitAssessment:
    school_id: str
    member_id: str
    period: str
    tier: str
    scores: dict[str, float]
    comment: str = ""
    appeal_id: str = added_later()  # an upheld appeal that unlocks its closed period


@dataclass(frozen=True)
class FileAppeal:
    school_id: str
    member_id: str
    subject: str
    subject_id: str
    reason: str


@dataclass(frozen=True)
class ResolveAppeal:
    school_id: str
    appeal_id: str
    outcome: str
    reason: str
