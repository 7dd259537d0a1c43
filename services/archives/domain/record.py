"""A performance record (业绩记录): one entry of the archive, verified by the branch."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from contracts.archives import PerformanceRecorded, RecordCorrected, RecordRejected, RecordVerified
from contracts.vocabulary import Channel, RecordCategory
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PermissionDenied, PreconditionFailed


class RecordStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class PerformanceRecord(Aggregate):
    kind = "record"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.member_id = ""
        self.branch_id = ""
        self.occurred_on: date | None = None
        self.status = RecordStatus.PENDING
        self.awarded_points = 0.0

    @property
    def partition_key(self) -> str:
        return self.member_id

    def file(
        self,
        *,
        member_id: str,
        branch_id: str,
        category: RecordCategory,
        channel: Channel,
        occurred_on: date,
        description: str,
        evidence: tuple[str, ...],
        claimed_points: float,
        appeal_id: str = "",
    ) -> None:
        if self.exists:
            raise PreconditionFailed(f"record {self.id} already exists", field="record_id")
        self.record(
            PerformanceRecorded(
                record_id=self.id,
                member_id=member_id,
                branch_id=branch_id,
                category=category,
                channel=channel,
                occurred_on=occurred_on,
                description=description,
                evidence=evidence,
                claimed_points=claimed_points,
                appeal_id=appeal_id,
            )
        )

    def verify(
        self, verifier_id: str, awarded_points: float, note: str, appeal_id: str = ""
    ) -> None:
        self._require_pending(verifier_id)
        self.record(
            RecordVerified(
                record_id=self.id,
                member_id=self.member_id,
                awarded_points=awarded_points,
                note=note,
                appeal_id=appeal_id,
            )
        )

    def reject(self, verifier_id: str, reason: str, appeal_id: str = "") -> None:
        self._require_pending(verifier_id)
        self.record(
            RecordRejected(
                record_id=self.id, member_id=self.member_id, reason=reason, appeal_id=appeal_id
            )
        )

    def correct(
        self, verifier_id: str, awarded_points: float, reason: str, appeal_id: str = ""
    ) -> None:
        self._require_not_own(verifier_id)
        if self.status is not RecordStatus.VERIFIED:
            raise PreconditionFailed(
                f"record {self.id} is {self.status}; only a verified record is corrected",
                field="record_id",
            )
        self.record(
            RecordCorrected(
                record_id=self.id,
                member_id=self.member_id,
                awarded_points=awarded_points,
                reason=reason,
                appeal_id=appeal_id,
            )
        )

    def require_exists(self) -> None:
        if not self.exists:
            raise NotFound(f"record {self.id} does not exist", field="record_id")

    def _require_not_own(self, verifier_id: str) -> None:
        self.require_exists()
        if verifier_id == self.member_id:
            raise PermissionDenied("a member never verifies their own record")

    def _require_pending(self, verifier_id: str) -> None:
        self._require_not_own(verifier_id)
        if self.status is not RecordStatus.PENDING:
            raise PreconditionFailed(
                f"record {self.id} is already {self.status}", field="record_id"
            )

    def when_PerformanceRecorded(self, event: PerformanceRecorded) -> None:
        self.member_id = event.member_id
        self.branch_id = event.branch_id
        self.occurred_on = event.occurred_on

    def when_RecordVerified(self, event: RecordVerified) -> None:
        self.status = RecordStatus.VERIFIED
        self.awarded_points = event.awarded_points

    def when_RecordRejected(self, event: RecordRejected) -> None:
        self.status = RecordStatus.REJECTED

    def when_RecordCorrected(self, event: RecordCorrected) -> None:
        self.awarded_points = event.awarded_points
