"""A pledge (承诺) and its PDCA loop: each command checks the rules and records events,
which `PledgeState` applies."""

from __future__ import annotations

from datetime import date

from contracts import pledges as e
from contracts.stage import BEFORE_PUBLICATION
from contracts.vocabulary import Outcome, RectificationStatus, Verdict
from kernel.errors import InvalidArgument, NotFound, PreconditionFailed
from pledges.domain.pledge_state import PledgeState, S
from pledges.domain.terms import Report, Terms, progress_map
from pledges.domain.vocabulary import ReportStatus


class Pledge(PledgeState):
    # -- Plan ------------------------------------------------------------------------------

    def make(
        self, *, member_id: str, member_name: str, branch_id: str, period: str, terms: Terms
    ) -> None:
        if self.exists:
            raise PreconditionFailed(f"pledge {self.id} already exists", field="pledge_id")
        self.record(
            e.PledgeMade(
                pledge_id=self.id,
                member_id=member_id,
                member_name=member_name,
                branch_id=branch_id,
                period=period,
                lead=terms.lead,
                title=terms.title,
                description=terms.description,
                targets=terms.targets,
            )
        )

    def approve(self, by: str, note: str) -> None:
        self._check_by_branch(by, S.SUBMITTED, "approved")
        self.record(e.PledgeApproved(pledge_id=self.id, member_id=self.member_id, note=note))

    def return_to_member(self, by: str, reason: str) -> None:
        self._check_by_branch(by, S.SUBMITTED, "returned")
        self.record(e.PledgeReturned(pledge_id=self.id, member_id=self.member_id, reason=reason))

    def revise(self, terms: Terms) -> None:
        self._require(S.RETURNED, "revised")
        self.record(
            e.PledgeRevised(
                pledge_id=self.id,
                member_id=self.member_id,
                lead=terms.lead,
                title=terms.title,
                description=terms.description,
                targets=terms.targets,
            )
        )

    def resubmit(self) -> None:
        self._require(S.RETURNED, "resubmitted")
        if not self.revised_since_return:
            raise PreconditionFailed(
                f"pledge {self.id} was returned: revise it before resubmitting", field="pledge_id"
            )
        self.record(e.PledgeResubmitted(pledge_id=self.id, member_id=self.member_id))

    def publish(self, by: str) -> None:
        self._check_by_branch(by, S.APPROVED, "published")
        self.record(e.PledgePublished(pledge_id=self.id, member_id=self.member_id))

    def withdraw(self, reason: str) -> None:
        self.require_exists()
        if self.status not in BEFORE_PUBLICATION:
            raise PreconditionFailed(
                f"pledge {self.id} is {self.status}: only a pledge not yet published is withdrawn",
                field="pledge_id",
            )
        self.record(e.PledgeWithdrawn(pledge_id=self.id, member_id=self.member_id, reason=reason))

    # -- Do and Check ----------------------------------------------------------------------

    def report_fulfilment(
        self, progress: tuple[e.Progress, ...], narrative: str, evidence: tuple[str, ...]
    ) -> str:
        self._require(S.PUBLISHED, "reported on")
        if self.pending_report is not None:
            raise PreconditionFailed(
                f"report {self.pending_report} still awaits verification", field="pledge_id"
            )
        progress_map(progress, self.targets, "progress")
        report_id = f"r{len(self.reports) + 1}"
        self.record(
            e.FulfilmentReported(
                pledge_id=self.id,
                member_id=self.member_id,
                report_id=report_id,
                progress=progress,
                narrative=narrative,
                evidence=evidence,
            )
        )
        return report_id

    def verify_fulfilment(
        self,
        by: str,
        report_id: str,
        verdict: Verdict,
        accepted: tuple[e.Progress, ...],
        note: str,
    ) -> None:
        self._check_by_branch(by, S.PUBLISHED, "verified")
        report = self.reports.get(report_id)
        if report is None:
            raise NotFound(f"pledge {self.id} has no report {report_id}", field="report_id")
        if report.status is not ReportStatus.PENDING:
            raise PreconditionFailed(
                f"report {report_id} is already {report.status}", field="report_id"
            )
        self.record(
            e.FulfilmentVerified(
                pledge_id=self.id,
                member_id=self.member_id,
                report_id=report_id,
                verdict=verdict,
                accepted_progress=self._accepted(report, verdict, accepted),
                note=note,
            )
        )

    def _accepted(
        self, report: Report, verdict: Verdict, accepted: tuple[e.Progress, ...]
    ) -> tuple[e.Progress, ...]:
        if verdict is not Verdict.PARTIALLY_ACCEPTED:
            if accepted:
                raise InvalidArgument(
                    "only a partial acceptance names accepted progress", field="accepted_progress"
                )
            if verdict is Verdict.REJECTED:
                return ()
            return tuple(e.Progress(target=t, percent=p) for t, p in report.progress.items())
        figures = progress_map(accepted, self.targets, "accepted_progress")
        for index, (target, percent) in enumerate(figures.items()):
            if percent > report.progress.get(target, -1):
                raise InvalidArgument(
                    f"target {target}: more than the report claims",
                    field=f"accepted_progress[{index}]",
                )
        return accepted

    def flag_overdue(self, today: date) -> bool:
        """Record `PledgeOverdue` if the pledge is overdue on `today` and not flagged yet."""
        if self.status is not S.PUBLISHED or self.overdue or self.terms is None:
            return False
        if today <= self.terms.last_due_on:
            return False
        self.record(
            e.PledgeOverdue(
                pledge_id=self.id,
                member_id=self.member_id,
                last_due_on=self.terms.last_due_on,
                flagged_on=today,
            )
        )
        return True

    # -- Act -------------------------------------------------------------------------------

    def close(self, by: str, outcome: Outcome, note: str, requirement: str) -> None:
        self._check_by_branch(by, S.PUBLISHED, "closed")
        if self.pending_report is not None:
            raise PreconditionFailed(
                f"report {self.pending_report} awaits verification: verify it first",
                field="pledge_id",
            )
        if outcome is Outcome.FULFILLED and not self._all_targets_met():
            raise PreconditionFailed(
                "fulfilled needs every target at 100% accepted progress", field="outcome"
            )
        if outcome is not Outcome.FULFILLED and not requirement:
            raise InvalidArgument(
                "short of fulfilled, say what must be rectified", field="rectification"
            )
        self.record(
            e.PledgeClosed(pledge_id=self.id, member_id=self.member_id, outcome=outcome, note=note)
        )
        if outcome is not Outcome.FULFILLED:
            self.record(
                e.RectificationRequired(
                    pledge_id=self.id, member_id=self.member_id, requirement=requirement
                )
            )

    def report_rectification(self, narrative: str, evidence: tuple[str, ...]) -> None:
        self._require_rectification(RectificationStatus.REQUIRED, RectificationStatus.REPORTED)
        self.record(
            e.RectificationReported(
                pledge_id=self.id, member_id=self.member_id, narrative=narrative, evidence=evidence
            )
        )

    def complete_rectification(self, by: str, note: str) -> None:
        self._require_not_own(by)
        self._require_rectification(RectificationStatus.REPORTED)
        self.record(
            e.RectificationCompleted(pledge_id=self.id, member_id=self.member_id, note=note)
        )
