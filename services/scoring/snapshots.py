"""Frozen member snapshots for a close (every member on its roster, with their evaluation if
anything bears on the period), and what-if replays under candidate rules: both evaluate
ledgers without touching what has been emitted."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydantic import BaseModel, ConfigDict

from scoring.domain.facts import Fact
from scoring.domain.ledger import MemberLedger
from scoring.domain.publication import Close, MemberSnapshot
from scoring.domain.roster import MemberRoster, Membership
from scoring.domain.rules import Rules
from scoring.domain.touched import touched_periods
from scoring.scorer import Scorer


def bearing_on(facts: list[Fact], period_id: str, year_start_month: int) -> list[Fact]:
    """The facts that touch the period (ordered as applied)."""
    return [
        fact
        for i, fact in enumerate(facts)
        if period_id in touched_periods(fact, facts[:i], year_start_month)
    ]


def snapshot(
    scorer: Scorer, close: Close, membership: Membership, ledger: MemberLedger | None
) -> MemberSnapshot:
    """A member on the close's roster: their evaluation from the close's input set (None when
    nothing there bears on the period) and the input events that bear on their entry."""
    evaluation, bearing = None, []
    if ledger is not None:
        admitted = [fact for fact in ledger.facts if close.admits(fact)]
        bearing = bearing_on(admitted, close.period, scorer.year_start_month)
        if bearing:
            evaluation, _ = scorer.evaluate(ledger, close.period, admitted)
    event_ids = sorted({*membership.event_ids, *(fact.event_id for fact in bearing)})
    return MemberSnapshot(membership.member_id, membership.branch_id, evaluation, tuple(event_ids))


def close_snapshots(
    scorer: Scorer,
    close: Close,
    rosters: Iterable[MemberRoster],
    ledger_of: Callable[[str], MemberLedger | None],
) -> list[MemberSnapshot]:
    """The snapshot of every member of `rosters` who is on the close's roster: members
    scoring never saw a roster event for, or who left before the period, are not."""
    start = scorer.scope(close.period).period.start
    return [
        snapshot(scorer, close, membership, ledger_of(roster.member_id))
        for roster in rosters
        if (membership := roster.on_roster(close.position, start)) is not None
    ]


class WhatIfLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    member_id: str
    old_composite: float
    old_stars: int | None  # None while provisional
    new_composite: float
    new_stars: int | None
    provisional: bool  # under the candidate rules


def what_if(
    scorer: Scorer, ledgers: Iterable[MemberLedger], period_id: str, candidate: Rules
) -> list[WhatIfLine]:
    """Per member with anything in the period: the composite and stars now and under
    `candidate`. Emits nothing and records nothing."""
    lines = []
    for ledger in ledgers:
        if not bearing_on(ledger.facts, period_id, scorer.year_start_month):
            continue
        old, _ = scorer.evaluate(ledger, period_id)
        new, _ = scorer.evaluate(ledger, period_id, rules=candidate)
        lines.append(
            WhatIfLine(
                member_id=ledger.member_id,
                old_composite=old.composite,
                old_stars=old.stars,
                new_composite=new.composite,
                new_stars=new.stars,
                provisional=new.provisional,
            )
        )
    return sorted(lines, key=lambda line: line.member_id)
