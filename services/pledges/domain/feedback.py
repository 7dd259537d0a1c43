"""Supervision feedback (监督): one stream per feedback, keyed by the member the pledge is
of. Pending until the pledge's branch verifies or dismisses it; only verified feedback counts."""

from __future__ import annotations

from contracts.pledges import FeedbackDismissed, FeedbackGiven, FeedbackVerified
from contracts.vocabulary import ReviewerKind
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PermissionDenied, PreconditionFailed
from pledges.domain.pledge_state import PledgeState
from pledges.domain.vocabulary import FeedbackStatus


class Feedback(Aggregate):
    kind = "feedback"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.pledge_id = ""
        self.member_id = ""
        self.branch_id = ""
        self.rating = 0
        self.reviewer_kind = ReviewerKind.OTHER
        self.status = FeedbackStatus.PENDING

    @property
    def partition_key(self) -> str:
        return self.member_id

    def give(
        self, pledge: PledgeState, *, rating: int, text: str, reviewer_kind: ReviewerKind
    ) -> None:
        if self.exists:
            raise PreconditionFailed(f"feedback {self.id} already exists", field="feedback_id")
        pledge.require_exists()
        if not pledge.visible_to_public:
            raise PreconditionFailed(
                f"pledge {pledge.id} is {pledge.status}: feedback is given on published pledges",
                field="pledge_id",
            )
        self.record(
            FeedbackGiven(
                feedback_id=self.id,
                pledge_id=pledge.id,
                member_id=pledge.member_id,
                branch_id=pledge.branch_id,
                rating=rating,
                text=text,
                reviewer_kind=reviewer_kind,
            )
        )

    def verify(self, by: str, note: str) -> None:
        self._require_pending(by)
        self.record(
            FeedbackVerified(
                feedback_id=self.id,
                pledge_id=self.pledge_id,
                member_id=self.member_id,
                rating=self.rating,
                reviewer_kind=self.reviewer_kind,
                note=note,
            )
        )

    def dismiss(self, by: str, reason: str) -> None:
        self._require_pending(by)
        self.record(
            FeedbackDismissed(
                feedback_id=self.id,
                pledge_id=self.pledge_id,
                member_id=self.member_id,
                reason=reason,
            )
        )

    def require_exists(self) -> None:
        if not self.exists:
            raise NotFound(f"feedback {self.id} does not exist", field="feedback_id")

    def _require_pending(self, by: str) -> None:
        self.require_exists()
        if by == self.member_id:
            raise PermissionDenied("a member never checks feedback on their own pledge")
        if self.status is not FeedbackStatus.PENDING:
            raise PreconditionFailed(
                f"feedback {self.id} is already {self.status}", field="feedback_id"
            )

    def when_FeedbackGiven(self, event: FeedbackGiven) -> None:
        self.pledge_id, self.member_id, self.branch_id = (
            event.pledge_id,
            event.member_id,
            event.branch_id,
        )
        self.rating, self.reviewer_kind = event.rating, event.reviewer_kind

    def when_FeedbackVerified(self, event: FeedbackVerified) -> None:
        self.status = FeedbackStatus.VERIFIED

    def when_FeedbackDismissed(self, event: FeedbackDismissed) -> None:
        self.status = FeedbackStatus.DISMISSED
