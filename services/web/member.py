"""A member's pages: my archive (records with channel and trail, model posts, pledges with
their PDCA stage, evaluations explained), and what a member does: make a pledge, report its
fulfilment with evidence, assess themselves, ballot for colleagues of their branch.

The same archive page serves a secretary (their branch's members) and the committee (any
member): the services decide, on the user's own token, who may read which archive."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.pledges.v1 import pledges_pb2 as ppb
from vanguard_sdk import VanguardError
from web.core import Visit, back, status_of
from web.forms import checked_form, decimal, items, number, visible
from web.i18n import labeller
from web.periods import month, recent_months
from web.signin import forbidden

LEADS = ("study", "work", "discipline", "devotion")


async def me(request: Request) -> Response:
    visit = Visit.of(request)
    if visit.account is None or not visit.account.member_id:
        return forbidden(visit)
    return RedirectResponse(f"/archive/{visit.account.member_id}", 303)


async def archive_data(visit: Visit, member_id: str) -> dict[str, Any]:
    archive = await visit.client.archives.get_archive(member_id)
    # Explained by default: the latest published month, else the latest evaluation.
    published = [e.period for e in archive.evaluations if e.published and len(e.period) == 7]
    latest = [e.period for e in archive.evaluations]
    period = visit.request.query_params.get("period") or max(published or latest or [""])
    explained, pledges = await asyncio.gather(
        _explain(visit, member_id, period),
        _pledges_of(visit, member_id),
    )
    explanation, explain_error = explained
    return {
        "archive": archive,
        "pledges": pledges,
        "period": period,
        "explanation": explanation,
        "explain_error": explain_error,
        "chart": _chart(explanation, labeller(visit.lang)) if explanation else "",
    }


async def _explain(visit: Visit, member_id: str, period: str) -> tuple[Any, dict[str, str] | None]:
    """The period's evaluation explained, or why it cannot be (shown beside the archive)."""
    if not period:
        return None, None
    try:
        return await visit.client.scoring.explain(member_id, period), None
    except VanguardError as error:
        return None, visit.refused(error)


async def _pledges_of(visit: Visit, member_id: str) -> list[Any]:
    return [p async for p in visit.client.pledges.pledges(member_id=member_id)]


def _chart(explanation: Any, label: Callable[[str], str]) -> str:
    """What the page's chart draws (ECharts options' data), as JSON: each tier's 0–100
    score and the composite, and the objective points by source."""
    e = explanation.evaluation
    tiers = {"objective": e.objective_normalised}
    for name in ("self_assessment", "peer_public", "committee"):
        if e.HasField(name):
            tiers[name] = getattr(e, name)
    counted: dict[str, float] = {}
    for line in explanation.contributions:
        if line.counted:
            counted[line.part] = counted.get(line.part, 0.0) + line.amount
    return json.dumps(
        {
            "tiers": tiers,
            "composite": e.composite,
            "sources": {
                label(source.removeprefix("records.")): points
                for source, points in e.objective_by_source.items()
            },
            "parts": counted,
        },
        ensure_ascii=False,
    )


async def archive(request: Request) -> Response:
    visit = Visit.of(request)
    if visit.account is None:
        return forbidden(visit)
    member_id = request.path_params["member_id"]
    return await _archive(visit, member_id)


async def _archive(
    visit: Visit,
    member_id: str,
    error: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    try:
        period = visit.request.query_params.get("period", "")
        data = await visit.cached(
            ("archive", member_id, period, visit.lang), lambda: archive_data(visit, member_id)
        )
    except VanguardError as refused:
        return visit.render("error.html", status_of(refused), error=visit.refused(refused))
    own = visit.account is not None and visit.account.member_id == member_id
    peers: list[Any] = []
    if own and visit.account is not None and visit.account.branch_id:
        try:
            peers = [
                m
                async for m in visit.client.archives.members(visit.account.branch_id)
                if m.member_id != member_id
            ]
        except VanguardError:
            peers = []  # a member may not list the branch: the ballot asks for the id
    today = date.today()
    return visit.render(
        "archive.html",
        status,
        own=own,
        leads=LEADS,
        peers=peers,
        this_month=month(today),
        months=[month(today), *recent_months(today, 2)],
        live=f"/live/archive/{member_id}",
        error=error,
        form=form or {},
        **data,
    )


async def make_pledge(request: Request) -> Response:
    visit = Visit.of(request)
    if not _member(visit):
        return forbidden(visit)
    assert visit.account is not None
    form, refused = await checked_form(visit)
    if refused:
        return refused
    targets = [
        ppb.TargetSpec(description=form.get(f"target{i}", ""), due_on=form.get(f"due{i}", ""))
        for i in (1, 2, 3)
        if form.get(f"target{i}", "").strip() or i == 1
    ]
    return await _command(
        visit,
        form,
        visit.as_member.pledges.make_pledge(
            ppb.MakePledgeRequest(
                member_id=visit.account.member_id,
                period=form.get("period", ""),
                lead=form.get("lead", ""),
                title=form.get("title", ""),
                description=form.get("description", ""),
                targets=targets,
                options=visible(form),
            )
        ),
        "pledge",
    )


async def report_fulfilment(request: Request) -> Response:
    visit = Visit.of(request)
    if not _member(visit):
        return forbidden(visit)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    progress = [
        ppb.TargetProgress(target=number(key[len("progress") :]), percent=number(value))
        for key, value in form.items()
        if key.startswith("progress") and value.strip()
    ]
    return await _command(
        visit,
        form,
        visit.as_member.pledges.report_fulfilment(
            ppb.ReportFulfilmentRequest(
                pledge_id=request.path_params["pledge_id"],
                progress=progress,
                narrative=form.get("narrative", ""),
                evidence=items(form.get("evidence", "")),
                options=visible(form),
            )
        ),
        "fulfilment",
    )


async def assess(request: Request) -> Response:
    """A self-assessment (自评) or a peer ballot (互评) for a colleague of the branch."""
    visit = Visit.of(request)
    if not _member(visit):
        return forbidden(visit)
    assert visit.account is not None
    form, refused = await checked_form(visit)
    if refused:
        return refused
    tier = "peer" if form.get("tier") == "peer" else "self"
    target = form.get("member_id", "") if tier == "peer" else visit.account.member_id
    scores = apb.LeadScores(
        **{lead: value for lead in LEADS if (value := decimal(form.get(lead, ""))) is not None}
    )
    return await _command(
        visit,
        form,
        visit.as_member.archives.submit_assessment(
            apb.SubmitAssessmentRequest(
                member_id=target,
                period=form.get("period", ""),
                tier=tier,
                scores=scores,
                comment=form.get("comment", ""),
                options=visible(form),
            )
        ),
        tier,
    )


def _member(visit: Visit) -> bool:
    return (
        visit.account is not None
        and bool(visit.account.member_id)
        and visit.is_(Role.MEMBER, Role.SECRETARY)
    )


async def _command(visit: Visit, form: dict[str, str], call: Any, note: str) -> Response:
    """Run a command for the signed-in member; refused, show the archive again with the
    reason beside the form and everything typed kept."""
    assert visit.account is not None
    try:
        await call
    except VanguardError as error:
        form["form"] = form.get("form", note)
        return await _archive(
            visit, visit.account.member_id, visit.refused(error), form, status_of(error)
        )
    visit.changed()
    return back(f"/archive/{visit.account.member_id}", note)
