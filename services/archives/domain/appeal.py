"""Appeals (申诉): a member's objection to a record or an evaluation, resolved by the committee.
An upheld appeal is the one way a closed period changes: it unlocks exactly its subject."""

from __future__ import annotations

from datetime import date

from contracts.archives import AppealFiled, AppealResolved
from contracts.periods import Period, parse_period
from contracts.vocabulary import AppealOutcome, AppealSubject
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PreconditionFailed

FIELD = "appeal_id"


class Appeal(Aggregate):
    kind = "appeal"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.member_id = ""
        self.subject = AppealSubject.RECORD
        self.subject_id = ""
        self.outcome: AppealOutcome | None = None

    @property
    def partition_key(self) -> str:
        return self.member_id

    @property
    def resolved(self) -> bool:
        return self.outcome is not None

    def file(self, member_id: str, subject: AppealSubject, subject_id: str, reason: str) -> None:
        if self.exists:
            raise PreconditionFailed(f"appeal {self.id} already exists", field=FIELD)
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
            raise NotFound(f"appeal {self.id} does not exist", field=FIELD)
        if self.resolved:
            raise PreconditionFailed(f"appeal {self.id} is already resolved", field=FIELD)
        self.record(
            AppealResolved(
                appeal_id=self.id, member_id=self.member_id, outcome=outcome, reason=reason
            )
        )

    def unlock(self, member_id: str, when: Period | date, record_id: str = "") -> None:
        """Let a command for `member_id` in the closed `period` through, or refuse it naming
        the appeal: only an upheld appeal of that member, about that record (`record_id`, the
        record the command acts on; "" for a new one) or about an evaluation of a period
        holding `when` (the command's day or period)."""
        if not self.exists:
            raise NotFound(f"appeal {self.id} does not exist", field=FIELD)
        if self.outcome is not AppealOutcome.UPHELD:
            state = "not resolved" if self.outcome is None else f"{self.outcome.value}"
            raise PreconditionFailed(
                f"appeal {self.id} is {state}: only an upheld appeal opens a closed period",
                field=FIELD,
            )
        if self.member_id != member_id:
            raise PreconditionFailed(
                f"appeal {self.id} is another member's, not {member_id}'s", field=FIELD
            )
        if self.subject is AppealSubject.RECORD:
            if not record_id or record_id != self.subject_id:
                raise PreconditionFailed(
                    f"appeal {self.id} is about record {self.subject_id} only", field=FIELD
                )
            return
        appealed = parse_period(self.subject_id, field=FIELD)
        inside = (
            appealed.start <= when.start and when.end <= appealed.end
            if isinstance(when, Period)
            else appealed.contains(when)
        )
        if not inside:
            raise PreconditionFailed(
                f"appeal {self.id} is about period {appealed}, not {when}", field=FIELD
            )

    def when_AppealFiled(self, event: AppealFiled) -> None:
        self.member_id = event.member_id
        self.subject = event.subject
        self.subject_id = event.subject_id

    def when_AppealResolved(self, event: AppealResolved) -> None:
        self.outcome = event.outcome
