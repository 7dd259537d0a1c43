"""Do, Check and Act: fulfilment reports and their verification, closing with an outcome,
and the rectification that follows an outcome short of fulfilled."""

from __future__ import annotations

from contracts.vocabulary import Outcome, Verdict
from kernel import validation as v
from kernel.auth import Principal
from kernel.store import AppendResult
from pledges import commands as c
from pledges.authority import as_branch_leader, as_owner
from pledges.domain.pledge import Pledge
from pledges.handlers.base import HandlerBase


class FulfilmentHandlers(HandlerBase):
    def report_fulfilment(
        self,
        principal: Principal,
        cmd: c.ReportFulfilment,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(pledge: Pledge) -> dict[str, str]:
            report_id = pledge.report_fulfilment(
                self._progress(cmd.progress, "progress"),
                self._text(cmd.narrative, "narrative"),
                self._evidence(cmd.evidence),
            )
            return {"report_id": report_id}

        return self._on_pledge("ReportFulfilment", principal, cmd, as_owner, act, key, expected)

    def verify_fulfilment(
        self,
        principal: Principal,
        cmd: c.VerifyFulfilment,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            verdict = v.choice(cmd.verdict, Verdict, "verdict")
            note = self._text(cmd.note, "note", required=verdict is not Verdict.ACCEPTED)
            accepted = self._progress(cmd.accepted_progress, "accepted_progress")
            report_id = v.identifier(cmd.report_id, "report_id")
            pledge.verify_fulfilment(principal.subject, report_id, verdict, accepted, note)

        return self._on_pledge(
            "VerifyFulfilment", principal, cmd, as_branch_leader, act, key, expected
        )

    def close_pledge(
        self, principal: Principal, cmd: c.ClosePledge, key: str = "", expected: int | None = None
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            outcome = v.choice(cmd.outcome, Outcome, "outcome")
            note = self._text(cmd.note, "note", required=False)
            requirement = self._text(cmd.rectification, "rectification", required=False)
            pledge.close(principal.subject, outcome, note, requirement)

        return self._on_pledge("ClosePledge", principal, cmd, as_branch_leader, act, key, expected)

    def report_rectification(
        self,
        principal: Principal,
        cmd: c.ReportRectification,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            narrative = self._text(cmd.narrative, "narrative")
            pledge.report_rectification(narrative, self._evidence(cmd.evidence))

        return self._on_pledge("ReportRectification", principal, cmd, as_owner, act, key, expected)

    def complete_rectification(
        self,
        principal: Principal,
        cmd: c.CompleteRectification,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(pledge: Pledge) -> None:
            note = self._text(cmd.note, "note", required=False)
            pledge.complete_rectification(principal.subject, note)

        return self._on_pledge(
            "CompleteRectification", principal, cmd, as_branch_leader, act, key, expected
        )
