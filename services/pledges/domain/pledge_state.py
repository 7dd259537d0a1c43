"""What a pledge's events have made of it: the state its commands decide on, the rules they
share, and the `when_*` methods that apply each event, live and on replay alike."""

from __future__ import annotations

from contracts import pledges as e
from contracts.stage import stage_of
from contracts.vocabulary import Outcome, PledgeStatus, RectificationStatus, Stage
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PermissionDenied, PreconditionFailed
from pledges.domain.terms import Report, Terms
from pledges.domain.vocabulary import ReportStatus

S = PledgeStatus


class PledgeState(Aggregate):
    kind = "pledge"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.member_id = ""
        self.branch_id = ""
        self.period = ""
        self.terms: Terms | None = None
        self.status = S.SUBMITTED
        self.revised_since_return = False
        self.reports: dict[str, Report] = {}
        self.pending_report: str | None = None
        self.accepted: dict[int, int] = {}  # target number -> progress the branch accepted
        self.outcome: Outcome | None = None
        self.rectification: RectificationStatus | None = None
        self.overdue = False

    @property
    def partition_key(self) -> str:
        return self.member_id

    @property
    def stage(self) -> Stage:
        return stage_of(
            self.status,
            report_pending=self.pending_report is not None,
            outcome=self.outcome,
            rectification=self.rectification,
        )

    @property
    def visible_to_public(self) -> bool:
        return self.status in (S.PUBLISHED, S.CLOSED)

    # -- rules -----------------------------------------------------------------------------

    @property
    def targets(self) -> tuple[e.TargetTerms, ...]:
        return self.terms.targets if self.terms else ()

    def _all_targets_met(self) -> bool:
        return all(self.accepted.get(t.number, 0) >= 100 for t in self.targets)

    def require_exists(self) -> None:
        if not self.exists:
            raise NotFound(f"pledge {self.id} does not exist", field="pledge_id")

    def _require(self, status: PledgeStatus, action: str) -> None:
        self.require_exists()
        if self.status is not status:
            raise PreconditionFailed(
                f"pledge {self.id} is {self.status}; only a {status} pledge is {action}",
                field="pledge_id",
            )

    def _require_not_own(self, by: str) -> None:
        self.require_exists()
        if by == self.member_id:
            raise PermissionDenied("a member never checks their own pledge")

    def _check_by_branch(self, by: str, status: PledgeStatus, action: str) -> None:
        self._require_not_own(by)
        self._require(status, action)

    def _require_rectification(self, *allowed: RectificationStatus) -> None:
        self.require_exists()
        if self.rectification not in allowed:
            state = self.rectification or "not required"
            raise PreconditionFailed(
                f"pledge {self.id}: rectification is {state}", field="pledge_id"
            )

    # -- applying events -------------------------------------------------------------------

    def when_PledgeMade(self, event: e.PledgeMade) -> None:
        self.member_id, self.branch_id, self.period = event.member_id, event.branch_id, event.period
        self.terms = Terms(event.lead, event.title, event.description, event.targets)

    def when_PledgeApproved(self, event: e.PledgeApproved) -> None:
        self.status = S.APPROVED

    def when_PledgeReturned(self, event: e.PledgeReturned) -> None:
        self.status, self.revised_since_return = S.RETURNED, False

    def when_PledgeRevised(self, event: e.PledgeRevised) -> None:
        self.terms = Terms(event.lead, event.title, event.description, event.targets)
        self.revised_since_return = True

    def when_PledgeResubmitted(self, event: e.PledgeResubmitted) -> None:
        self.status = S.SUBMITTED

    def when_PledgePublished(self, event: e.PledgePublished) -> None:
        self.status = S.PUBLISHED

    def when_PledgeWithdrawn(self, event: e.PledgeWithdrawn) -> None:
        self.status = S.WITHDRAWN

    def when_FulfilmentReported(self, event: e.FulfilmentReported) -> None:
        progress = {p.target: p.percent for p in event.progress}
        self.reports[event.report_id] = Report(event.report_id, progress)
        self.pending_report = event.report_id

    def when_FulfilmentVerified(self, event: e.FulfilmentVerified) -> None:
        self.reports[event.report_id].status = ReportStatus(event.verdict.value)
        self.accepted.update({p.target: p.percent for p in event.accepted_progress})
        self.pending_report = None

    def when_PledgeOverdue(self, event: e.PledgeOverdue) -> None:
        self.overdue = True

    def when_PledgeClosed(self, event: e.PledgeClosed) -> None:
        self.status, self.outcome = S.CLOSED, event.outcome

    def when_RectificationRequired(self, event: e.RectificationRequired) -> None:
        self.rectification = RectificationStatus.REQUIRED

    def when_RectificationReported(self, event: e.RectificationReported) -> None:
        self.rectification = RectificationStatus.REPORTED

    def when_RectificationCompleted(self, event: e.RectificationCompleted) -> None:
        self.rectification = RectificationStatus.COMPLETED
