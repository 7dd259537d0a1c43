"""The facts a member ledger keeps: the events that can move an evaluation, trimmed to what
scoring reads, with the provenance that defines a publication's input set (archives store
`position`, pledges `recorded_at`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from contracts.periods import Period, parse_period, periods_of
from kernel.envelope import Envelope

ARCHIVES = "archives"
PLEDGES = "pledges"

RECORD_EVENTS = frozenset(
    {"PerformanceRecorded", "RecordVerified", "RecordRejected", "RecordCorrected"}
)
ARCHIVES_EVENTS = RECORD_EVENTS | {"AssessmentSubmitted", "ModelPostReviewed"}
PLEDGES_EVENTS = frozenset(
    {"PledgeMade", "PledgeClosed", "RectificationCompleted", "FeedbackVerified"}
)


@dataclass(frozen=True, slots=True)
class Fact:
    event_id: str
    event_type: str
    source: str  # ARCHIVES or PLEDGES
    position: int  # archives store position; 0 for pledges
    recorded_at: str  # ISO 8601, as the writing store took it
    stream_id: str
    stream_version: int
    data: dict[str, Any]

    @property
    def order(self) -> tuple[int, int, str, str, int]:
        """Replay order, the same whichever way the two topics interleaved on arrival."""
        source = 0 if self.source == ARCHIVES else 1
        return (source, self.position, self.recorded_at, self.stream_id, self.stream_version)

    @property
    def recorded(self) -> datetime:
        return datetime.fromisoformat(self.recorded_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Fact:
        return cls(**raw)


def source_of(event_type: str) -> str | None:
    if event_type in ARCHIVES_EVENTS:
        return ARCHIVES
    if event_type in PLEDGES_EVENTS:
        return PLEDGES
    return None


def fact_of(envelope: Envelope) -> Fact | None:
    """The fact an envelope carries, or None when scoring has no use for it."""
    source = source_of(envelope.event_type)
    if source is None:
        return None
    return Fact(
        event_id=str(envelope.event_id),
        event_type=envelope.event_type,
        source=source,
        position=(envelope.position or 0) if source == ARCHIVES else 0,
        recorded_at=envelope.recorded_at.isoformat(),
        stream_id=envelope.stream_id,
        stream_version=envelope.stream_version,
        data=dict(envelope.data),
    )


def containing(period_id: str, year_start_month: int) -> tuple[str, ...]:
    """A period and every longer one it lies in (counted from its first day): a pledge for a
    month counts in that month, its quarter and its academic year."""
    period = parse_period(period_id, year_start_month=year_start_month)
    month, quarter, year = periods_of(period.start, year_start_month=year_start_month)
    chain = (month, quarter, year)
    rank = [p.kind for p in chain].index(period.kind)
    return tuple(p.id for p in chain[rank:])


def days_periods(day: date, year_start_month: int) -> tuple[str, ...]:
    return tuple(p.id for p in periods_of(day, year_start_month=year_start_month))


def period_of(period_id: str, year_start_month: int) -> Period:
    return parse_period(period_id, year_start_month=year_start_month)
