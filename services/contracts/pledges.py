"""Events of the pledges service, published on `vanguard.pledges`. Facts, never edited.

Every event names the member it concerns (`member_id`, also the Kafka key), so the archive and
scoring can fold each one on its own. Supervision feedback never carries the giver's contact:
events are kept forever and copied to every consumer (see `FeedbackGiven`).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import Lead, Outcome, ReviewerKind, Verdict
from kernel.events import DomainEvent, EventRegistry

registry = EventRegistry()


class TargetTerms(BaseModel):
    """One measurable target of a pledge: its number (1 for the first), what and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    description: str
    due_on: date


class Progress(BaseModel):
    """Progress towards one target, in percent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: int = Field(ge=1)
    percent: int = Field(ge=0, le=100)


# -- Plan ----------------------------------------------------------------------------------


@registry.event("PledgeMade")
class PledgeMade(DomainEvent):
    """承诺: a member's pledge for a period in one of the four leads, submitted to the branch."""

    pledge_id: str
    member_id: str
    member_name: str
    branch_id: str  # the member's branch when pledging: the branch that checks the pledge
    period: str
    lead: Lead
    title: str
    description: str
    targets: tuple[TargetTerms, ...]


@registry.event("PledgeApproved")
class PledgeApproved(DomainEvent):
    pledge_id: str
    member_id: str
    note: str = ""


@registry.event("PledgeReturned")
class PledgeReturned(DomainEvent):
    """Sent back to the member with what to change."""

    pledge_id: str
    member_id: str
    reason: str


@registry.event("PledgeRevised")
class PledgeRevised(DomainEvent):
    """The member's new terms for a returned pledge; they replace the old ones whole."""

    pledge_id: str
    member_id: str
    lead: Lead
    title: str
    description: str
    targets: tuple[TargetTerms, ...]


@registry.event("PledgeResubmitted")
class PledgeResubmitted(DomainEvent):
    pledge_id: str
    member_id: str


@registry.event("PledgePublished")
class PledgePublished(DomainEvent):
    """公示: from now on the public sees the pledge and may give feedback on it."""

    pledge_id: str
    member_id: str


@registry.event("PledgeWithdrawn")
class PledgeWithdrawn(DomainEvent):
    """Withdrawn by the member before publication; it ends the pledge."""

    pledge_id: str
    member_id: str
    reason: str = ""


# -- Do and Check --------------------------------------------------------------------------


@registry.event("FulfilmentReported")
class FulfilmentReported(DomainEvent):
    """践诺: progress on some targets, with a narrative and evidence references."""

    pledge_id: str
    member_id: str
    report_id: str
    progress: tuple[Progress, ...]
    narrative: str
    evidence: tuple[str, ...] = ()


@registry.event("FulfilmentVerified")
class FulfilmentVerified(DomainEvent):
    """The branch's verdict on a report. `accepted_progress` is what now counts for each
    target it names: the reported figures when accepted, less when partially accepted, none
    when rejected."""

    pledge_id: str
    member_id: str
    report_id: str
    verdict: Verdict
    accepted_progress: tuple[Progress, ...] = ()
    note: str = ""


@registry.event("PledgeOverdue")
class PledgeOverdue(DomainEvent):
    """A published pledge past its last due date and not closed; flagged once."""

    pledge_id: str
    member_id: str
    last_due_on: date
    flagged_on: date


# -- Act -----------------------------------------------------------------------------------


@registry.event("PledgeClosed")
class PledgeClosed(DomainEvent):
    pledge_id: str
    member_id: str
    outcome: Outcome
    note: str = ""


@registry.event("RectificationRequired")
class RectificationRequired(DomainEvent):
    """整改: recorded with `PledgeClosed` whenever the outcome is short of fulfilled."""

    pledge_id: str
    member_id: str
    requirement: str


@registry.event("RectificationReported")
class RectificationReported(DomainEvent):
    """The member reports what they put right; the branch then completes the rectification."""

    pledge_id: str
    member_id: str
    narrative: str
    evidence: tuple[str, ...] = ()


@registry.event("RectificationCompleted")
class RectificationCompleted(DomainEvent):
    pledge_id: str
    member_id: str
    note: str = ""


# -- supervision (监督): one stream per feedback, keyed by the pledge's member --------------


@registry.event("FeedbackGiven")
class FeedbackGiven(DomainEvent):
    """Public feedback on a published pledge, pending until the branch decides. The giver's
    optional contact is deliberately absent: it stays in pledges' contact book only."""

    feedback_id: str
    pledge_id: str
    member_id: str
    branch_id: str
    rating: int = Field(ge=1, le=5)
    text: str
    reviewer_kind: ReviewerKind


@registry.event("FeedbackVerified")
class FeedbackVerified(DomainEvent):
    """Verified feedback counts (archive, tier-2 scoring). It repeats the rating and who gave
    it, so a consumer needs no other event."""

    feedback_id: str
    pledge_id: str
    member_id: str
    rating: int = Field(ge=1, le=5)
    reviewer_kind: ReviewerKind
    note: str = ""


@registry.event("FeedbackDismissed")
class FeedbackDismissed(DomainEvent):
    feedback_id: str
    pledge_id: str
    member_id: str
    reason: str
