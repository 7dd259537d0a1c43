"""The committee's pages: the school dashboard (stars and bands by branch, the pledge PDCA
funnel, pending work, the follow-up list), closing a month and reading its publication with
the digests, and a rules version previewed with WhatIf beside the current one."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kernel.envelope import Role
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard_sdk import Vanguard, VanguardError
from web.core import Visit, back, status_of
from web.forms import checked_form, visible
from web.periods import month, recent_months
from web.signin import forbidden

STAGES = ("plan", "do", "check", "act", "done")


async def latest_publication(client: Vanguard, today: date) -> apb.Publication | None:
    for period in recent_months(today, 3):
        try:
            return await client.archives.get_publication(period)
        except VanguardError as error:
            if error.code.name != "NOT_FOUND":
                raise
    return None


async def _all_pledges(client: Vanguard) -> list[Any]:
    return [p async for p in client.pledges.pledges()]


async def dashboard_data(client: Vanguard) -> dict[str, Any]:
    school = await client.archives.school_summary()
    branches = {line.branch_id: line.name for line in school.branches}
    # The calls do not depend on each other: asked at once, the page waits for the slowest.
    summaries, pledges, feedback, publication = await asyncio.gather(
        asyncio.gather(*(client.archives.branch_summary(b) for b in branches)),
        _all_pledges(client),
        client.pledges.list_feedback(status="pending"),
        latest_publication(client, date.today()),
    )
    bands = dict(zip(branches, summaries, strict=True))
    stars: dict[str, Counter[str]] = {b: Counter() for b in branches}
    if publication is not None:
        for entry in publication.current.entries:
            key = str(entry.stars) if entry.HasField("stars") else entry.standing
            stars.setdefault(entry.branch_id, Counter())[key] += 1
    star_keys = ["5", "4", "3", "2", "1", "0", "provisional", "no_activity"]
    chart = {
        "branches": list(branches.values()),
        "series": {key: [stars[b][key] for b in branches] for key in star_keys},
    }
    funnel = Counter(p.pdca_stage for p in pledges if p.status not in ("withdrawn",))
    return {
        "summary": school,
        "branches": branches,
        "bands": bands,
        "funnel": [(stage, funnel.get(stage, 0)) for stage in STAGES],
        "pending": {
            "records": school.pending_records,
            "pledges": sum(p.status == "submitted" for p in pledges),
            "fulfilments": sum(r.status == "pending" for p in pledges for r in p.reports),
            "feedback": len(feedback.feedback),
            "overdue": sum(p.overdue for p in pledges),
        },
        "publication": publication,
        "stars": stars,
        "star_keys": star_keys,
        "chart": json.dumps(chart, ensure_ascii=False),
    }


async def dashboard(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    try:
        data = await visit.cached(("dashboard",), lambda: dashboard_data(visit.client))
    except VanguardError as error:
        return visit.render("error.html", status_of(error), error=visit.refused(error))
    return visit.render("dashboard.html", live="/live/dashboard", **data)


async def close_page(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    return _close(visit)


def _close(visit: Visit, status: int = 200, **context: Any) -> Response:
    return visit.render(
        "close.html",
        status,
        months=recent_months(date.today()),
        this_month=month(date.today()),
        **context,
    )


async def close_month(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    period = form.get("period", "")
    try:
        await visit.client.archives.close_period(
            apb.ClosePeriodRequest(period=period, options=visible(form))
        )
    except VanguardError as error:
        return _close(visit, status_of(error), error=visit.refused(error), form=form)
    visit.changed()
    return back(f"/publication/{period}", "closed")


async def publication(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    period = request.path_params["period"]
    try:
        reply = await visit.client.archives.get_publication(period)
    except VanguardError as error:
        return _close(visit, status_of(error), error=visit.refused(error), form={"period": period})
    return visit.render("publication.html", publication=reply, period=period)


async def what_if_page(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    return visit.render("whatif.html", months=recent_months(date.today()), reply=None)


async def what_if(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    form, refused = await checked_form(visit)
    if refused:
        return refused
    months = recent_months(date.today())
    try:
        json.loads(form.get("rules_json", "") or "null")
        reply = await visit.client.scoring.what_if(
            form.get("period", ""), form.get("rules_json", "")
        )
    except ValueError as error:
        problem = {
            "status": "",
            "code": "INVALID_ARGUMENT",
            "field": "rules_json",
            "message": f"not JSON: {error}",
        }
        return visit.render("whatif.html", 400, months=months, reply=None, error=problem, form=form)
    except VanguardError as error:
        return visit.render(
            "whatif.html",
            status_of(error),
            months=months,
            reply=None,
            error=visit.refused(error),
            form=form,
        )
    return visit.render("whatif.html", months=months, reply=reply, form=form)
