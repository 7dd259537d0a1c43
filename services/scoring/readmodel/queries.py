"""Queries on member ledgers, independent of where they are kept (a faust table in the
worker, a dict in tests): an evaluation, its explanation, a what-if replay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from kernel.errors import NotFound, quoted
from scoring.domain.contributions import Contribution
from scoring.domain.evaluation import Evaluation
from scoring.domain.facts import Fact
from scoring.domain.ledger import MemberLedger
from scoring.domain.rulebook import parse_versions
from scoring.scorer import Scorer
from scoring.snapshots import WhatIfLine, what_if


class LedgerSource(Protocol):
    def ledger(self, school_id: str, member_id: str) -> MemberLedger | None: ...

    def branch(self, school_id: str, member_id: str) -> str | None:
        """The member's branch now; None before their MemberRegistered was seen."""

    def ledgers(self, school_id: str) -> Iterable[MemberLedger]: ...

    def frozen(self, school_id: str, period: str) -> Callable[[Fact], bool] | None:
        """For a closed period: which facts its published result (with its amendments)
        counts; None while the period is open."""


def explain(
    scorer: Scorer, source: LedgerSource, school_id: str, member_id: str, period: str
) -> tuple[Evaluation, list[Contribution]]:
    scorer.scope(period)  # an InvalidArgument naming `period` when malformed
    ledger = source.ledger(school_id, member_id)
    if ledger is None:
        raise NotFound(
            f"no events of member {quoted(member_id)} in school {quoted(school_id)}",
            field="member_id",
        )
    counted = source.frozen(school_id, period)
    if counted is None:
        return scorer.evaluate(ledger, period)
    # A closed period shows what was published for it: its input set and the appeals' facts.
    return scorer.evaluate(ledger, period, [fact for fact in ledger.facts if counted(fact)])


def replay_under(
    scorer: Scorer, source: LedgerSource, school_id: str, period: str, rules_json: str
) -> tuple[str, str, list[WhatIfLine]]:
    scope = scorer.scope(period)
    candidate = parse_versions(rules_json, field="rules_json")[-1]
    current = scorer.rulebook.for_period(school_id, scope.period)
    lines = what_if(scorer, source.ledgers(school_id), period, candidate)
    return current.version, candidate.version, lines
