"""The PDCA stage of a pledge, derived from where its events have brought it.

plan: not yet published; do: published, no report awaiting verification; check: a report
awaits verification; act: closed short of fulfilled, rectification not completed; done:
fulfilled, rectification completed, or withdrawn.
"""

from __future__ import annotations

from contracts.vocabulary import Outcome, PledgeStatus, RectificationStatus, Stage

BEFORE_PUBLICATION = frozenset(
    {PledgeStatus.SUBMITTED, PledgeStatus.RETURNED, PledgeStatus.APPROVED}
)


def stage_of(
    status: PledgeStatus,
    *,
    report_pending: bool,
    outcome: Outcome | None,
    rectification: RectificationStatus | None,
) -> Stage:
    if status in BEFORE_PUBLICATION:
        return Stage.PLAN
    if status is PledgeStatus.PUBLISHED:
        return Stage.CHECK if report_pending else Stage.DO
    if status is PledgeStatus.CLOSED and outcome is not Outcome.FULFILLED:
        return Stage.DONE if rectification is RectificationStatus.COMPLETED else Stage.ACT
    return Stage.DONE  # fulfilled, or withdrawn
