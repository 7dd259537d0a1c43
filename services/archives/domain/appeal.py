"""Appeals: a member's objection to a record or an evaluation, resolved by the committee."""

from __future__ import annotations

from contracts.archives import AppealFiled, AppealResolved
from contracts.vocabulary import AppealOutcome, AppealSubject
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PreconditionFailed


class Appeal(Aggregate):
    kind = "appeal"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.member_id = ""
        self.resolved = False

    @property
    def partition_key(self) -> str:
        return self.member_id

    def file(self, member_id: str, subject: AppealSubject, subject_id: str, reason: str) -> None:
        if self.exists:
            raise PreconditionFailed(f"appeal {self.id} already exists", field="appeal_id")
        self.record(
            AppealFiled(
                appeal_id=self.id,
                member_id=member_id,
                subject=subject,
                subject_id=subject_id,
                reason=reason,
            )
        )

    def resolve(self, outcome: AppealOutcome, reason: str) -> None:
        if not self.exists:
            raise NotFound(f"appeal {self.id} does not exist", field="appeal_id")
        if self.resolved:
            raise PreconditionFailed(f"appeal {self.id} is already resolved", field="appeal_id")
        self.record(
            AppealResolved(
                appeal_id=self.id, member_id=self.member_id, outcome=outcome, reason=reason
            )
        )

    def when_AppealFiled(self, event: AppealFiled) -> None:
        self.member_id = event.member_id

    def when_AppealResolved(self, event: AppealResolved) -> None:
        self.resolved = True
