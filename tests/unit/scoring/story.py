"""A small school's history as envelopes, for scoring tests: archives events get gapless
store positions, pledges events their own recorded times."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kernel.envelope import Actor, Envelope, Role

SCHOOL = "school-1"
LEADS = ("study", "work", "discipline", "devotion")


def lead_scores(*values: float) -> dict[str, float]:
    """Four lead scores; one value means the same for every lead."""
    return dict(zip(LEADS, values * 4 if len(values) == 1 else values, strict=True))


@dataclass
class Story:
    school: str = SCHOOL
    position: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    clock: datetime = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def _envelope(
        self, event_type: str, key: str, data: dict[str, Any], *, archives: bool
    ) -> Envelope:
        self.clock += timedelta(seconds=1)
        stream = f"{self.school}/{event_type}/{next(self.ids)}"
        return Envelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=1,
            school_id=self.school,
            stream_id=stream,
            stream_version=1,
            partition_key=key,
            occurred_at=self.clock,
            recorded_at=self.clock,
            actor=Actor(id="tester", role=Role.COMMITTEE),
            correlation_id="c",
            position=next(self.position) if archives else None,
            data=data,
        )

    def archives(self, event_type: str, member: str, **data: Any) -> Envelope:
        return self._envelope(event_type, member, {"member_id": member, **data}, archives=True)

    def pledges(self, event_type: str, member: str, **data: Any) -> Envelope:
        return self._envelope(event_type, member, {"member_id": member, **data}, archives=False)

    # -- archives ----------------------------------------------------------------------------

    def register(self, member: str, branch: str) -> Envelope:
        return self.archives(
            "MemberRegistered",
            member,
            name="王芳",
            branch_id=branch,
            roles=["teacher"],
            joined_party_on="2010-07-01",
        )

    def transfer(self, member: str, from_branch: str, to_branch: str) -> Envelope:
        return self.archives(
            "MemberTransferred", member, from_branch_id=from_branch, to_branch_id=to_branch
        )

    def left(self, member: str, branch: str, on: date) -> Envelope:
        return self.archives("MemberLeft", member, branch_id=branch, left_on=on.isoformat())

    def record(
        self,
        member: str,
        record_id: str,
        *,
        category: str = "duty_performance",
        channel: str = "self_declared",
        on: date = date(2026, 10, 3),
    ) -> Envelope:
        return self.archives(
            "PerformanceRecorded",
            member,
            record_id=record_id,
            branch_id="b1",
            category=category,
            channel=channel,
            occurred_on=on.isoformat(),
            description="taught an open class",
            claimed_points=5,
        )

    def verify(self, member: str, record_id: str, points: float) -> Envelope:
        return self.archives("RecordVerified", member, record_id=record_id, awarded_points=points)

    def reject(self, member: str, record_id: str) -> Envelope:
        return self.archives("RecordRejected", member, record_id=record_id, reason="no evidence")

    def correct(self, member: str, record_id: str, points: float) -> Envelope:
        return self.archives(
            "RecordCorrected", member, record_id=record_id, awarded_points=points, reason="typo"
        )

    def assess(
        self, member: str, tier: str, *scores: float, period: str = "2026-10", ballot: str = ""
    ) -> Envelope:
        return self.archives(
            "AssessmentSubmitted",
            member,
            period=period,
            tier=tier,
            scores=lead_scores(*scores),
            ballot_id=ballot or f"{tier}-{member}",
        )

    def post_review(self, member: str, score: float, period: str = "2026-10") -> Envelope:
        return self.archives(
            "ModelPostReviewed", member, post_id="post-1", period=period, score=score
        )

    def close(self, period: str, kind: str) -> Envelope:
        envelope = self._envelope(
            "PeriodClosed",
            self.school,
            {"school_id": self.school, "period": period, "kind": kind},
            archives=True,
        )
        return envelope

    # -- pledges -----------------------------------------------------------------------------

    def pledge(self, member: str, pledge_id: str, period: str = "2026-10") -> Envelope:
        return self.pledges(
            "PledgeMade",
            member,
            pledge_id=pledge_id,
            member_name="M",
            branch_id="b1",
            period=period,
            lead="work",
            title="t",
            description="d",
            targets=[],
        )

    def pledge_closed(self, member: str, pledge_id: str, outcome: str) -> Envelope:
        return self.pledges("PledgeClosed", member, pledge_id=pledge_id, outcome=outcome)

    def rectified(self, member: str, pledge_id: str) -> Envelope:
        return self.pledges("RectificationCompleted", member, pledge_id=pledge_id)

    def feedback(self, member: str, pledge_id: str, rating: int) -> Envelope:
        return self.pledges(
            "FeedbackVerified",
            member,
            feedback_id=f"f-{next(self.ids)}",
            pledge_id=pledge_id,
            rating=rating,
            reviewer_kind="parent",
        )
