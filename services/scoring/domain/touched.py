"""Which periods a new fact can move: records count in the month, quarter and academic year
of their day; pledge items and model-post reviews in their period and the longer ones that
contain it; assessments only in the period they name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from scoring.domain.facts import Fact, containing, days_periods


def touched_periods(fact: Fact, earlier: Sequence[Fact], year_start_month: int) -> tuple[str, ...]:
    data = fact.data
    if fact.event_type == "PerformanceRecorded":
        return days_periods(date.fromisoformat(data["occurred_on"]), year_start_month)
    if fact.event_type in ("RecordVerified", "RecordRejected", "RecordCorrected"):
        recorded = _find(earlier, "PerformanceRecorded", "record_id", data["record_id"])
        if recorded is None:
            return ()
        return days_periods(date.fromisoformat(recorded.data["occurred_on"]), year_start_month)
    if fact.event_type == "AssessmentSubmitted":
        return (data["period"],)
    if fact.event_type in ("ModelPostReviewed", "PledgeMade"):
        return containing(data["period"], year_start_month)
    made = _find(earlier, "PledgeMade", "pledge_id", data["pledge_id"])
    return () if made is None else containing(made.data["period"], year_start_month)


def _find(facts: Sequence[Fact], event_type: str, key: str, value: str) -> Fact | None:
    for fact in facts:
        if fact.event_type == event_type and fact.data.get(key) == value:
            return fact
    return None
