"""Frozen member evaluations for a close, and what-if replays under candidate rules: both
evaluate ledgers without touching what has been emitted."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from scoring.domain.facts import Fact
from scoring.domain.ledger import MemberLedger
from scoring.domain.publication import Close, MemberSnapshot
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


def snapshot(scorer: Scorer, ledger: MemberLedger, close: Close) -> MemberSnapshot | None:
    """The member's evaluation from the close's input set; None when nothing bears on it."""
    admitted = [fact for fact in ledger.facts if close.admits(fact)]
    bearing = bearing_on(admitted, close.period, scorer.year_start_month)
    if not bearing:
        return None
    evaluation, _ = scorer.evaluate(ledger, close.period, admitted)
    return MemberSnapshot(evaluation, tuple(sorted(f.event_id for f in bearing)))


class WhatIfLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    member_id: str
    old_composite: float
    old_stars: int
    new_composite: float
    new_stars: int
    provisional: bool


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
