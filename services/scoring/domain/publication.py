"""Publications at period close (月度公示 / 季度通报 / 年度表彰), computed from a well-defined
input set so that any rebuild from the log gives the same digest.

Input set of a close: archives events with store position below the PeriodClosed's, pledges
events recorded no later than it. Commendation: a complete (not provisional) evaluation with at
least the rules' commendation stars. Follow-up: a composite below the one-star threshold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.periods import PeriodKind
from contracts.scoring import PublicationEntry, PublicationIssued
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
    """One member's frozen evaluation and the ids of the input events that bear on it."""

    evaluation: Evaluation
    event_ids: tuple[str, ...]


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_digest(event_ids: Iterable[str]) -> str:
    return sha256_hex("\n".join(sorted(set(event_ids))))


def content_digest(fields: Mapping[str, object]) -> str:
    return sha256_hex(json.dumps(fields, sort_keys=True, separators=(",", ":")))


def build_publication(
    close: Close, rules: Rules, snapshots: Sequence[MemberSnapshot]
) -> PublicationIssued:
    ordered = sorted(snapshots, key=lambda s: s.evaluation.member_id)
    entries = tuple(_entry(s.evaluation) for s in ordered)
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
            if not e.provisional and e.stars >= rules.stars.commendation_min_stars
        ],
        "follow_up": [e.member_id for e in entries if e.follow_up],
        "input_events": len(set(ids)),
        "inputs_digest": inputs_digest(ids),
    }
    return PublicationIssued.model_validate({**fields, "digest": content_digest(fields)})


def verify_digest(publication: PublicationIssued) -> bool:
    """What an inspector runs: the digest matches the publication's own content."""
    fields = publication.model_dump(mode="json", exclude={"digest"})
    return content_digest(fields) == publication.digest


def _entry(evaluation: Evaluation) -> PublicationEntry:
    return PublicationEntry(
        member_id=evaluation.member_id,
        composite=evaluation.composite,
        stars=evaluation.stars,
        provisional=evaluation.provisional,
        follow_up=evaluation.follow_up,
    )
