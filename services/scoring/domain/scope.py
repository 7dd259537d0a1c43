"""Which items count in a period: objective items in every period containing their day (or
their pledge's / review's period); assessments only in the period they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.periods import Period
from scoring.domain.facts import containing


@dataclass(frozen=True)
class PeriodScope:
    period: Period
    year_start_month: int = 9

    def counts_day(self, day: date) -> bool:
        return self.period.contains(day)

    def counts_period(self, period_id: str) -> bool:
        return self.period.id in containing(period_id, self.year_start_month)

    def names(self, period_id: str) -> bool:
        return self.period.id == period_id
