"""The branch secretary's work queue (待办): records, fulfilment reports and public feedback
waiting for verification, pledges waiting for approval — each with its action in place — and
the branch's bands. The committee sees the same queue for any branch (`?branch=`)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.pledges.v1 import pledges_pb2 as ppb
from vanguard_sdk import Vanguard, VanguardError
from web.core import Visit, back, status_of
from web.forms import checked_form, decimal, number, visible
from web.signin import forbidden


def branch_of(visit: Visit) -> str:
    if visit.is_(Role.COMMITTEE):
        return visit.request.query_params.get("branch", "chinese")
    assert visit.account is not None
    return visit.account.branch_id


async def queue_data(client: Vanguard, branch: str) -> dict[str, Any]:
    members = [m async for m in client.archives.members(branch)]
    archives = await asyncio.gather(*(client.archives.get_archive(m.member_id) for m in members))
    records = [(a.member, r) for a in archives for r in a.records if r.status == "pending"]
    pledges = [p async for p in client.pledges.pledges(branch_id=branch)]
    feedback = await client.pledges.list_feedback(branch_id=branch, status="pending")
    summary = await client.archives.branch_summary(branch)
    return {
        "branch": branch,
        "records": records,
        "submitted": [p for p in pledges if p.status == "submitted"],
        "reports": [(p, r) for p in pledges for r in p.reports if r.status == "pending"],
        "feedback": list(feedback.feedback),
        "titles": {p.pledge_id: (p.member_name, p.title) for p in pledges},
        "summary": summary,
    }


async def queue(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.SECRETARY, Role.COMMITTEE):
        return forbidden(visit)
    return await _queue(visit)


async def _queue(
    visit: Visit,
    error: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    branch = branch_of(visit)
    try:
        data = await visit.cached(("queue", branch), lambda: queue_data(visit.client, branch))
    except VanguardError as refused:
        return visit.render("error.html", status_of(refused), error=visit.refused(refused))
    return visit.render(
        "queue.html",
        status,
        live=f"/live/queue?branch={branch}",
        error=error,
        form=form or {},
        **data,
    )


async def act(request: Request) -> Response:
    """One action of the queue, on the user's own token: a secretary acting on another
    branch's item is refused by the service, and the page says so."""
    visit = Visit.of(request)
    if not visit.is_(Role.SECRETARY, Role.COMMITTEE):
        return forbidden(visit)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    action = request.path_params["action"]
    call = _call(visit.client, action, form)
    if call is None:
        return visit.render(
            "error.html",
            404,
            error={"status": "", "code": "NOT_FOUND", "field": "action", "message": action},
        )
    try:
        await call
    except VanguardError as error:
        form["action"] = action
        return await _queue(visit, visit.refused(error), form, status_of(error))
    visit.changed()
    branch = f"?branch={form['branch']}" if visit.is_(Role.COMMITTEE) and form.get("branch") else ""
    return back(f"/queue{branch}", action)


def _call(client: Vanguard, action: str, form: dict[str, str]) -> Any:
    options = visible(form)
    version = number(form["version"]) if form.get("version") else None
    note, reason = form.get("note", ""), form.get("reason", "")
    p, a = client.pledges, client.archives
    match action:
        case "verify_feedback":
            return p.verify_feedback(
                ppb.VerifyFeedbackRequest(
                    feedback_id=form.get("feedback_id", ""),
                    note=note,
                    options=options,
                    expected_version=version,
                )
            )
        case "dismiss_feedback":
            return p.dismiss_feedback(
                ppb.DismissFeedbackRequest(
                    feedback_id=form.get("feedback_id", ""),
                    reason=reason,
                    options=options,
                    expected_version=version,
                )
            )
        case "approve_pledge":
            return p.approve_pledge(
                ppb.ApprovePledgeRequest(
                    pledge_id=form.get("pledge_id", ""),
                    note=note,
                    options=options,
                    expected_version=version,
                )
            )
        case "return_pledge":
            return p.return_pledge(
                ppb.ReturnPledgeRequest(
                    pledge_id=form.get("pledge_id", ""),
                    reason=reason,
                    options=options,
                    expected_version=version,
                )
            )
        case "verify_fulfilment":
            verdict = form.get("verdict", "accepted")
            accepted = [
                ppb.TargetProgress(target=number(k[len("accepted") :]), percent=number(v))
                for k, v in form.items()
                if k.startswith("accepted") and v.strip()
            ]
            return p.verify_fulfilment(
                ppb.VerifyFulfilmentRequest(
                    pledge_id=form.get("pledge_id", ""),
                    report_id=form.get("report_id", ""),
                    verdict=verdict,
                    accepted_progress=accepted,
                    note=note,
                    options=options,
                    expected_version=version,
                )
            )
        case "verify_record":
            return a.verify_record(
                apb.VerifyRecordRequest(
                    record_id=form.get("record_id", ""),
                    awarded_points=decimal(form.get("awarded_points", "")),
                    note=note,
                    options=options,
                )
            )
        case "reject_record":
            return a.reject_record(
                apb.RejectRecordRequest(
                    record_id=form.get("record_id", ""), reason=reason, options=options
                )
            )
    return None
