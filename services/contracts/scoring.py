"""Events of the scoring service, published on `vanguard.evaluations`. Other services read
them with the kernel ConsumerRunner and this registry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from contracts.periods import PeriodKind
from kernel.events import DomainEvent, EventRegistry

registry = EventRegistry()


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ObjectiveBreakdown(Frozen):
    points: float
    normalised: float  # 0–100
    records: dict[str, float]  # by record category, after caps
    pledges: float
    feedback: float
    posts: float


class TierBreakdown(Frozen):
    self_assessment: float | None
    peer_public: float | None
    committee: float | None
    peer_public_ballots: int


@registry.event("EvaluationUpdated")
class EvaluationUpdated(DomainEvent):
    """A member's evaluation for a period changed. Stream `<school>/evaluation/<member>/<period>`.
    `provisional` while a tier is missing; the composite is then over the present parts."""

    school_id: str
    member_id: str
    period: str
    rules_version: str
    objective: ObjectiveBreakdown
    tiers: TierBreakdown
    inputs: int
    provisional: bool
    missing: tuple[str, ...]
    composite: float
    stars: int
    follow_up: bool


class PublicationEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str
    composite: float
    stars: int
    provisional: bool
    follow_up: bool


@registry.event("PublicationIssued")
class PublicationIssued(DomainEvent):
    """月度公示 / 季度通报 / 年度表彰, frozen at a PeriodClosed. Input set: archives events with
    position below the close, pledges events recorded no later than it. `inputs_digest` is
    SHA-256 over the sorted ids of those events that counted; `digest` is SHA-256 over the
    canonical JSON of every other field (inputs_digest included). Stream
    `<school>/publication/<period>`."""

    school_id: str
    period: str
    kind: PeriodKind
    publication: str  # monthly_publication, quarterly_report, annual_commendation
    rules_version: str
    closed_by: str  # the PeriodClosed event id
    close_position: int
    entries: tuple[PublicationEntry, ...]
    commendations: tuple[str, ...]
    follow_up: tuple[str, ...]
    input_events: int
    inputs_digest: str
    digest: str
