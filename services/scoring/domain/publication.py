"""Publications at period close (月度公示 / 季度通报 / 年度表彰), computed from a well-defined
input set so that any rebuild from the log gives the same digest.

Input set of a close: archives events with store position below the PeriodClosed's, pledges
events recorded no later than it. A publication lists every member on the close's roster
(scoring.domain.roster) in one standing: complete (every tier in: composite and stars),
provisional (inputs counted, a tier missing: the composite over the parts present and what is
missing, no stars), no activity (nothing counted in the period: neither). Commendation: a
complete evaluation with at least the rules' commendation stars. Follow-up: a complete
evaluation below the one-star threshold, and every member with no activity, each for their
branch at the close. A provisional evaluation is neither commended nor followed up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.digests import content_digest, inputs_digest
from contracts.periods import PeriodKind
from contracts.scoring import (
    FollowUp,
    PublicationAmended,
    PublicationDocument,
    PublicationEntry,
    PublicationIssued,
)
from contracts.vocabulary import FollowUpReason, Standing
from scoring.domain.evaluation import Evaluation
from scoring.domain.facts import ARCHIVES, Fact
from scoring.domain.rules import Rules

TITLES = {
    PeriodKind.MONTH: "monthly_publication",  # 月度公示
    PeriodKind.QUARTER: "quarterly_report",  # 季度通报
    PeriodKind.YEAR: "annual_commendation",  # 年度表彰
}


@dataclass(frozen=True)
class Close:
    """A PeriodClosed as scoring needs it: which period, and where the input set ends."""

    school_id: str
    period: str
    kind: PeriodKind
    event_id: str
    position: int
    recorded_at: str

    def admits(self, fact: Fact) -> bool:
        if fact.source == ARCHIVES:
            return fact.position < self.position
        return datetime.fromisoformat(fact.recorded_at) <= datetime.fromisoformat(self.recorded_at)


@dataclass(frozen=True)
class MemberSnapshot:
    """One member on the close's roster: their branch at the close, their frozen evaluation
    (None when nothing in the input set bears on the period) and the ids of the input events
    that bear on their entry, the roster events among them."""

    member_id: str
    branch_id: str
    evaluation: Evaluation | None
    event_ids: tuple[str, ...]

    @property
    def standing(self) -> Standing:
        if self.evaluation is None or self.evaluation.inputs == 0:
            return Standing.NO_ACTIVITY
        return Standing.PROVISIONAL if self.evaluation.provisional else Standing.COMPLETE


def build_publication(
    close: Close, rules: Rules, snapshots: Sequence[MemberSnapshot]
) -> PublicationIssued:
    ordered = sorted(snapshots, key=lambda s: s.member_id)
    entries = [_entry(s) for s in ordered]
    follow_up = [f for s in ordered if (f := _follow_up(s)) is not None]
    ids = [event_id for s in ordered for event_id in s.event_ids] + [close.event_id]
    fields = {
        "school_id": close.school_id,
        "period": close.period,
        "kind": close.kind.value,
        "publication": TITLES[close.kind],
        "rules_version": rules.version,
        "closed_by": close.event_id,
        "close_position": close.position,
        "entries": [entry.model_dump(mode="json") for entry in entries],
        "commendations": [
            e.member_id
            for e in entries
            if e.stars is not None and e.stars >= rules.stars.commendation_min_stars
        ],
        "follow_up": [item.model_dump(mode="json") for item in follow_up],
        "input_events": len(set(ids)),
        "inputs_digest": inputs_digest(ids),
    }
    return PublicationIssued.model_validate({**fields, "digest": content_digest(fields)})


def amend_publication(
    amended: PublicationDocument,
    amended_event_id: str,
    snapshot: MemberSnapshot,
    rules: Rules,
    event_ids: Sequence[str],
    appeal_id: str,
) -> PublicationAmended:
    """The publication `amended` (the issued one or an earlier amendment, stored under
    `amended_event_id`) after an upheld appeal (申诉): the appealing member's entry from
    `snapshot` (their evaluation over the close's input set plus the appeal's facts), the
    member's place in the commendation and follow-up lists recomputed, every other entry as
    it was; `event_ids` the whole input set now (the close's and the appeals' facts)."""
    member_id = snapshot.member_id
    entries = sorted(
        [e for e in amended.entries if e.member_id != member_id] + [_entry(snapshot)],
        key=lambda e: e.member_id,
    )
    follow_up = [f for f in amended.follow_up if f.member_id != member_id]
    if (mine := _follow_up(snapshot)) is not None:
        follow_up = sorted([*follow_up, mine], key=lambda f: f.member_id)
    fields = {
        **amended.model_dump(
            mode="json",
            include={"school_id", "period", "kind", "publication", "closed_by", "close_position"},
        ),
        "rules_version": amended.rules_version,  # judged by the rules it was published under
        "entries": [entry.model_dump(mode="json") for entry in entries],
        "commendations": [
            e.member_id
            for e in entries
            if e.stars is not None and e.stars >= rules.stars.commendation_min_stars
        ],
        "follow_up": [item.model_dump(mode="json") for item in follow_up],
        "input_events": len(set(event_ids)),
        "inputs_digest": inputs_digest(event_ids),
        "amends": amended_event_id,
        "amends_digest": amended.digest,
        "appeal_id": appeal_id,
        "member_id": member_id,
    }
    return PublicationAmended.model_validate({**fields, "digest": content_digest(fields)})


def verify_digest(publication: PublicationDocument) -> bool:
    """What an inspector runs on a publication issued in the current schema: the digest
    matches the publication's own content. One issued in an older schema is read upcast, so
    check its stored payload with `verify_payload` instead."""
    fields = publication.model_dump(mode="json", exclude={"digest"})
    return content_digest(fields) == publication.digest


def _entry(snapshot: MemberSnapshot) -> PublicationEntry:
    standing, evaluation = snapshot.standing, snapshot.evaluation
    shown = evaluation if standing is not Standing.NO_ACTIVITY else None
    return PublicationEntry(
        member_id=snapshot.member_id,
        branch_id=snapshot.branch_id,
        standing=standing,
        composite=None if shown is None else shown.composite,
        stars=None if shown is None else shown.stars,  # None unless complete
        missing=() if shown is None else shown.missing,
    )


def _follow_up(snapshot: MemberSnapshot) -> FollowUp | None:
    standing = snapshot.standing
    if standing is Standing.NO_ACTIVITY:
        reason = FollowUpReason.NO_ACTIVITY
    elif standing is Standing.COMPLETE and snapshot.evaluation and snapshot.evaluation.follow_up:
        reason = FollowUpReason.BELOW_THRESHOLD
    else:
        return None
    return FollowUp(member_id=snapshot.member_id, branch_id=snapshot.branch_id, reason=reason)
