"""Events of the archives service, published on `vanguard.archives`. Facts, never edited."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from contracts.periods import PeriodKind
from contracts.vocabulary import (
    AppealOutcome,
    AppealSubject,
    Channel,
    Lead,
    MemberRole,
    PostKind,
    RecordCategory,
    Tier,
)
from kernel.events import DomainEvent, EventRegistry, added_later

registry = EventRegistry()


# -- school and branches -------------------------------------------------------------------


@registry.event("SchoolRegistered")
class SchoolRegistered(DomainEvent):
    school_id: str
    name: str


@registry.event("BranchEstablished")
class BranchEstablished(DomainEvent):
    """党支部: a branch of the school's committee."""

    school_id: str
    branch_id: str
    name: str


@registry.event("PeriodClosed")
class PeriodClosed(DomainEvent):
    """A month, quarter or academic year closed by the committee: it takes nothing more."""

    school_id: str
    period: str
    kind: PeriodKind


# -- members -------------------------------------------------------------------------------


@registry.event("MemberRegistered")
class MemberRegistered(DomainEvent):
    member_id: str
    name: str
    branch_id: str
    roles: tuple[MemberRole, ...]
    joined_party_on: date


@registry.event("MemberTransferred")
class MemberTransferred(DomainEvent):
    member_id: str
    from_branch_id: str
    to_branch_id: str
    reason: str = ""


@registry.event("MemberLeft")
class MemberLeft(DomainEvent):
    member_id: str
    branch_id: str
    left_on: date
    reason: str = ""


# -- performance records (业绩记录) ----------------------------------------------------------


@registry.event("PerformanceRecorded")
class PerformanceRecorded(DomainEvent):
    record_id: str
    member_id: str
    branch_id: str
    category: RecordCategory
    channel: Channel
    occurred_on: date
    description: str
    evidence: tuple[str, ...] = ()
    claimed_points: float = Field(ge=0)
    appeal_id: str = added_later()  # the upheld appeal that let it into a closed period


@registry.event("RecordVerified")
class RecordVerified(DomainEvent):
    record_id: str
    member_id: str
    awarded_points: float = Field(ge=0)
    note: str = ""
    appeal_id: str = added_later()  # the upheld appeal that let it into a closed period


@registry.event("RecordRejected")
class RecordRejected(DomainEvent):
    record_id: str
    member_id: str
    reason: str
    appeal_id: str = added_later()  # the upheld appeal that let it into a closed period


@registry.event("RecordCorrected")
class RecordCorrected(DomainEvent):
    """A compensating event: the verified points become `awarded_points`; the original stays."""

    record_id: str
    member_id: str
    awarded_points: float = Field(ge=0)
    reason: str
    appeal_id: str = added_later()  # the upheld appeal that let it into a closed period


# -- model posts (示范岗) -----------------------------------------------------------------


@registry.event("ModelPostEstablished")
class ModelPostEstablished(DomainEvent):
    post_id: str
    name: str
    kind: PostKind
    criteria: str


@registry.event("MemberAssignedToPost")
class MemberAssignedToPost(DomainEvent):
    post_id: str
    member_id: str
    post_name: str
    post_kind: PostKind
    assigned_on: date


@registry.event("ModelPostReviewed")
class ModelPostReviewed(DomainEvent):
    """The committee's review of a member's work in a model post for a period."""

    post_id: str
    member_id: str
    period: str
    score: float = Field(ge=0, le=100)
    comment: str = ""
    appeal_id: str = added_later()  # the upheld appeal that let it into a closed period


@registry.event("MemberReleasedFromPost")
class MemberReleasedFromPost(DomainEvent):
    post_id: str
    member_id: str
    released_on: date
    reason: str = ""


# -- assessments (三级考评 submissions) -------------------------------------------------------


@registry.event("AssessmentSubmitted")
class AssessmentSubmitted(DomainEvent):
    """One submission of one tier for one member and period. Peer and public ballots are
    sealed: `ballot_id` proves one ballot per reviewer without naming them, and the envelope's
    actor is the sealed ballot, not the reviewer."""

    member_id: str
    period: str
    tier: Tier
    scores: dict[Lead, float]
    comment: str = ""
    ballot_id: str
    supersedes: bool = False  # a resubmission by the same assessor replaces the earlier one
    appeal_id: str = added_later()  # the upheld appeal that let it into a closed period


# -- appeals -------------------------------------------------------------------------------


@registry.event("AppealFiled")
class AppealFiled(DomainEvent):
    appeal_id: str
    member_id: str
    subject: AppealSubject
    subject_id: str  # a record id, or an evaluation's period
    reason: str


@registry.event("AppealResolved")
class AppealResolved(DomainEvent):
    appeal_id: str
    member_id: str
    outcome: AppealOutcome
    reason: str
