"""Assessments of the three-tier evaluation (三级考评): one stream per assessor, member, period
and tier. A resubmission supersedes the earlier one; the history stays."""

from __future__ import annotations

import hashlib
import hmac

from contracts.archives import AssessmentSubmitted
from contracts.vocabulary import Lead, Tier
from kernel.aggregate import Aggregate

SEALED_TIERS = frozenset({Tier.PEER, Tier.PUBLIC})


def seal_ballot(
    secret: bytes, *, school_id: str, member_id: str, period: str, tier: Tier, assessor_id: str
) -> str:
    """A ballot id that is the same for one assessor, member, period and tier (so one ballot
    each) but does not reveal the assessor without the school's secret."""
    message = f"{school_id}|{member_id}|{period}|{tier.value}|{assessor_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


class Assessment(Aggregate):
    kind = "assessment"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.member_id = ""

    @property
    def partition_key(self) -> str:
        return self.member_id

    def submit(
        self,
        *,
        member_id: str,
        period: str,
        tier: Tier,
        scores: dict[Lead, float],
        comment: str,
        appeal_id: str = "",
    ) -> None:
        self.member_id = member_id
        self.record(
            AssessmentSubmitted(
                member_id=member_id,
                period=period,
                tier=tier,
                scores=scores,
                comment=comment,
                ballot_id=self.id,
                supersedes=self.exists,
                appeal_id=appeal_id,
            )
        )

    def when_AssessmentSubmitted(self, event: AssessmentSubmitted) -> None:
        self.member_id = event.member_id
