"""Performance records replayed from their events: pending until verified or rejected; a
correction replaces the awarded points (the original event stays in the log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from contracts.vocabulary import Channel, RecordCategory
from scoring.domain.facts import Fact


@dataclass
class RecordState:
    record_id: str
    category: RecordCategory
    channel: Channel
    occurred_on: date
    verified: bool = False
    corrected: bool = False
    awarded: float = 0.0
    decided_by: Fact | None = None  # the verification or correction now in force


def fold_records(facts: Sequence[Fact]) -> list[RecordState]:
    records: dict[str, RecordState] = {}
    for fact in facts:
        if fact.event_type == "PerformanceRecorded":
            data = fact.data
            records[data["record_id"]] = RecordState(
                data["record_id"],
                RecordCategory(data["category"]),
                Channel(data["channel"]),
                date.fromisoformat(data["occurred_on"]),
            )
            continue
        record = records.get(str(fact.data.get("record_id")))
        if record is not None:
            _decide(record, fact)
    return list(records.values())


def _decide(record: RecordState, fact: Fact) -> None:
    if fact.event_type == "RecordVerified":
        record.verified, record.corrected = True, False
        record.awarded, record.decided_by = float(fact.data["awarded_points"]), fact
    elif fact.event_type == "RecordRejected":
        record.verified, record.decided_by = False, None
    elif fact.event_type == "RecordCorrected" and record.verified:
        record.corrected = True
        record.awarded, record.decided_by = float(fact.data["awarded_points"]), fact
