"""Events of the scoring service, published on `vanguard.evaluations` (RulesAdopted on
`vanguard.rules`). Other services read them with the kernel ConsumerRunner and this registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from contracts.periods import PeriodKind
from contracts.vocabulary import FollowUpReason, Standing
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


@registry.event("EvaluationUpdated", version=2)
class EvaluationUpdated(DomainEvent):
    """A member's evaluation for a period changed. Stream `<school>/evaluation/<member>/<period>`.
    `provisional` while a tier is missing: the composite is then over the present parts, and
    the evaluation has no stars and no follow-up flag until every tier is in.

    v2: `stars` is None while provisional (v1 gave a provisional evaluation stars and a
    follow-up flag; a v1 event is read as v2 without them)."""

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
    stars: int | None  # None while provisional
    follow_up: bool  # a complete evaluation below the one-star threshold

    @model_validator(mode="after")
    def _stars_only_when_complete(self) -> EvaluationUpdated:
        if self.provisional and (self.stars is not None or self.follow_up):
            raise ValueError("a provisional evaluation has no stars and no follow-up flag")
        if not self.provisional and self.stars is None:
            raise ValueError("a complete evaluation has stars")
        return self


@registry.upcaster("EvaluationUpdated", from_version=1)
def _evaluation_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 provisional evaluation is read without its stars and follow-up flag."""
    if data.get("provisional"):
        return {**data, "stars": None, "follow_up": False}
    return data


class PublicationEntry(Frozen):
    """One member of the period's roster. `complete`: the composite and stars; `provisional`:
    the composite over the parts present and what is `missing`, no stars; `no_activity`:
    nothing counted in the period, so neither composite nor stars."""

    member_id: str
    branch_id: str  # the member's branch at the close; "" in a publication issued as v1
    standing: Standing
    composite: float | None
    stars: int | None
    missing: tuple[str, ...]  # of a provisional entry: the tiers not yet in

    @model_validator(mode="after")
    def _shown_as_its_standing_allows(self) -> PublicationEntry:
        has_composite = self.standing is not Standing.NO_ACTIVITY
        has_stars = self.standing is Standing.COMPLETE
        if (self.composite is not None) != has_composite or (self.stars is not None) != has_stars:
            raise ValueError(
                f"a {self.standing.value} entry has {'a' if has_composite else 'no'} composite "
                f"and {'' if has_stars else 'no '}stars"
            )
        return self


class FollowUp(Frozen):
    """A member the branch is to follow up, and why."""

    member_id: str
    branch_id: str  # the member's branch at the close; "" in a publication issued as v1
    reason: FollowUpReason


class PublicationDocument(DomainEvent):
    """What every version of a period's publication carries: the whole document as it stands,
    so one event is read on its own. Stream `<school>/publication/<period>`: version 1 is the
    PublicationIssued of the close, each later version a PublicationAmended.

    `entries` lists every member on the period's roster (registered by an archives event in the
    input set and not left before the period's first day), in one standing each.
    `commendations`: complete entries with at least the rules' commendation stars;
    `follow_up`: complete entries below the one-star threshold and no-activity entries.
    `inputs_digest` and `digest` as `contracts.digests` computes them: `digest` over every
    other field as issued (inputs_digest, and an amendment's links, included)."""

    school_id: str
    period: str
    kind: PeriodKind
    publication: str  # monthly_publication, quarterly_report, annual_commendation
    rules_version: str
    closed_by: str  # the PeriodClosed event id
    close_position: int
    entries: tuple[PublicationEntry, ...]
    commendations: tuple[str, ...]
    follow_up: tuple[FollowUp, ...]
    input_events: int
    inputs_digest: str
    digest: str


@registry.event("PublicationIssued", version=2)
class PublicationIssued(PublicationDocument):
    """月度公示 / 季度通报 / 年度表彰, frozen at a PeriodClosed.

    Input set: archives events with position below the close, pledges events recorded no later
    than it; `inputs_digest` covers the ids of those that bear on the entries (the roster
    events included).

    v2: entries carry the branch and the standing, and provisional ones no stars; follow-ups
    carry the branch and a reason. A v1 publication is read as v2 (standing from its
    `provisional`, no stars for a provisional entry, follow-up of complete entries only, reason
    `below_threshold`, branch ""), but its digest stays the one over its v1 payload: verify it
    against the stored payload, never the upcast one."""


@registry.event("PublicationAmended")
class PublicationAmended(PublicationDocument):
    """A published period changed by an upheld appeal (申诉) — the one way a closed period's
    result changes. The whole document again, with the appealing member's entry (and the
    lists) recomputed from the input set plus the facts recorded under the appeal; every other
    entry as the publication it amends had it.

    `amends`: the event id of the version it replaces (which stays on the topic and readable),
    `amends_digest` that version's digest; `appeal_id` the upheld appeal and `member_id` the
    member it concerns. `input_events` and `inputs_digest` count the appeal's facts too."""

    amends: str
    amends_digest: str
    appeal_id: str
    member_id: str


@registry.upcaster("PublicationIssued", from_version=1)
def _publication_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 entries: member_id, composite, stars, provisional, follow_up; v1 follow_up: member
    ids, provisional ones among them."""
    entries, complete = [], set()
    for entry in data["entries"]:
        provisional = bool(entry["provisional"])
        if not provisional:
            complete.add(entry["member_id"])
        entries.append(
            {
                "member_id": entry["member_id"],
                "branch_id": "",
                "standing": (Standing.PROVISIONAL if provisional else Standing.COMPLETE).value,
                "composite": entry["composite"],
                "stars": None if provisional else entry["stars"],
                "missing": [],
            }
        )
    follow_up = [
        {"member_id": member_id, "branch_id": "", "reason": FollowUpReason.BELOW_THRESHOLD.value}
        for member_id in data["follow_up"]
        if member_id in complete
    ]
    return {**data, "entries": entries, "follow_up": follow_up}


@registry.event("RulesAdopted")
class RulesAdopted(DomainEvent):
    """The committee adopted a rules version (评分细则) for its school. Stream `<school>/rules`,
    on `vanguard.rules`, keyed by the stream. `rules` is the whole version as adopted (the
    rules file format: `version` and `effective_from` in it too); it scores every period that
    starts on or after `effective_from` (the first day of a month after the adoption, when no
    such period was scored or closed yet) until a later version takes over. A version name is
    adopted once per school: its content never changes."""

    school_id: str
    rules_version: str
    effective_from: date
    rules: dict[str, Any]
    adopted_by: str  # the committee member's subject
    adopted_at: datetime
