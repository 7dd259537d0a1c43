"""The scoring handler: apply one envelope to a member's ledger and say what to emit.

A new fact is evaluated in every period it touches; a period whose result changed gets the
next EvaluationUpdated version, one that did not change gets nothing, nor does one closed
before the fact (frozen: its result is the publication). A fact seen before
(redelivered, republished) counts nothing and re-sends exactly the updates it caused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kernel.envelope import Envelope
from scoring.domain.contributions import Contribution
from scoring.domain.evaluation import Evaluation, evaluate
from scoring.domain.facts import Fact, fact_of, period_of
from scoring.domain.ledger import MemberLedger
from scoring.domain.publication import Close
from scoring.domain.rulebook import RuleBook
from scoring.domain.rules import Rules
from scoring.domain.scope import PeriodScope
from scoring.domain.touched import touched_periods
from scoring.domain.updates import content_hash, evaluation_updated


@dataclass
class Scorer:
    rulebook: RuleBook
    year_start_month: int = 9

    def scope(self, period_id: str) -> PeriodScope:
        return PeriodScope(period_of(period_id, self.year_start_month), self.year_start_month)

    def evaluate(
        self,
        ledger: MemberLedger,
        period_id: str,
        facts: list[Fact] | None = None,
        rules: Rules | None = None,
    ) -> tuple[Evaluation, list[Contribution]]:
        scope = self.scope(period_id)
        chosen = rules or self.rulebook.for_period(ledger.school_id, scope.period)
        used = ledger.facts if facts is None else facts
        return evaluate(ledger.school_id, ledger.member_id, used, scope, chosen)

    def apply(
        self,
        ledgers: dict[str, MemberLedger],
        envelope: Envelope,
        close_of: Callable[[str], Close | None] = lambda period_id: None,
    ) -> list[Envelope]:
        """Fold `envelope` into the member's ledger (created when new); the updates to send.
        All or nothing: the fact is applied to a copy, and every period it touches evaluated,
        before the copy takes the ledger's place. A fact that cannot be applied (data of the
        wrong shape, a date outside what the calendar can count) raises and changes nothing.

        Frozen closes: a period closed (`close_of` gives its close) before the fact gets no
        update — its result is the publication's; the fact is kept in the ledger, for the
        open periods it touches and for an appeal's amendment (scoring.stream.closing)."""
        fact = fact_of(envelope)
        member_id = envelope.data.get("member_id")
        if fact is None or not isinstance(member_id, str):
            return []
        ledger = ledgers.get(envelope.school_id)
        if ledger is not None and (known := ledger.index_of(fact.event_id)) is not None:
            return self.resend(ledger, known)
        working = MemberLedger(envelope.school_id, member_id) if ledger is None else ledger.copy()
        index = working.add(fact)
        assert index is not None
        periods = [
            period
            for period in touched_periods(fact, working.facts[:index], self.year_start_month)
            if (close := close_of(period)) is None or close.admits(fact)
        ]
        updates = [u for p in periods if (u := self._update(working, p, index)) is not None]
        ledgers[envelope.school_id] = working
        return updates

    def _update(self, ledger: MemberLedger, period_id: str, index: int) -> Envelope | None:
        after, _ = self.evaluate(ledger, period_id)
        digest = content_hash(after)
        last = ledger.last_mark(period_id)
        if last is None:
            before, _ = self.evaluate(ledger, period_id, ledger.facts_up_to(index - 1))
            if content_hash(before) == digest:
                return None
        elif last.content_hash == digest:
            return None
        mark = ledger.mark(period_id, index, digest)
        return evaluation_updated(after, mark.version, ledger.facts[index], digest)

    def resend(self, ledger: MemberLedger, index: int) -> list[Envelope]:
        updates = []
        for period_id, mark in ledger.marks_caused_by(index):
            evaluation, _ = self.evaluate(ledger, period_id, ledger.facts_up_to(index))
            updates.append(
                evaluation_updated(evaluation, mark.version, ledger.facts[index], mark.content_hash)
            )
        return updates
