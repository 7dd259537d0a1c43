"""Pages for everyone, without signing in: the pledge board (承诺公示栏), the feedback form
(群众监督) and the monthly 公示 of a closed month."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from vanguard.pledges.v1 import pledges_pb2 as ppb
from vanguard_sdk import VanguardError
from web.core import Visit, back, status_of
from web.forms import checked_form, number, visible
from web.periods import recent_months

REVIEWER_KINDS = ("student", "parent", "colleague", "other")


async def board_data(visit: Visit) -> dict[str, Any]:
    reply = await visit.public.pledges.public_board(
        branch_id=visit.request.query_params.get("branch", ""), page_size=500
    )
    return {"pledges": list(reply.pledges)}


async def board(request: Request) -> Response:
    visit = Visit.of(request)
    try:
        branch = request.query_params.get("branch", "")
        data = await visit.cached(("board", branch), lambda: board_data(visit))
    except VanguardError as error:
        return visit.render("error.html", status_of(error), error=visit.refused(error))
    return visit.render("board.html", live="/live/board", **data)


async def feedback_page(request: Request) -> Response:
    visit = Visit.of(request)
    return await _feedback(visit, request.path_params["pledge_id"], None, {})


async def _feedback(
    visit: Visit, pledge_id: str, error: dict[str, str] | None, form: dict[str, str]
) -> Response:
    pledge = None
    async for each in _board_pledges(visit):
        if each.pledge_id == pledge_id:
            pledge = each
    if pledge is None:
        return visit.render(
            "error.html",
            404,
            error={
                "status": "",
                "code": "NOT_FOUND",
                "field": "pledge_id",
                "message": visit.request.path_params["pledge_id"],
            },
        )
    return visit.render(
        "feedback.html",
        400 if error else 200,
        pledge=pledge,
        kinds=REVIEWER_KINDS,
        error=error,
        form=form,
    )


async def _board_pledges(visit: Visit):  # type: ignore[no-untyped-def]
    reply = await visit.public.pledges.public_board(page_size=500)
    for pledge in reply.pledges:
        yield pledge


async def give_feedback(request: Request) -> Response:
    visit = Visit.of(request)
    pledge_id = request.path_params["pledge_id"]
    form, refused = await checked_form(visit)
    if refused:
        return refused
    try:
        await visit.public.pledges.give_feedback(
            ppb.GiveFeedbackRequest(
                pledge_id=pledge_id,
                rating=number(form.get("rating", "")),
                text=form.get("text", ""),
                reviewer_kind=form.get("reviewer_kind", ""),
                contact=form.get("contact", ""),
                options=visible(form),
            )
        )
    except VanguardError as error:
        return await _feedback(visit, pledge_id, visit.refused(error), form)
    visit.changed()
    return back("/", "feedback")


async def notice(request: Request) -> Response:
    visit = Visit.of(request)
    months = recent_months(date.today())
    period = request.query_params.get("period") or months[0]
    try:
        reply = await visit.public.archives.public_notice(period)
    except VanguardError as error:
        return visit.render(
            "notice.html",
            status_of(error),
            notice=None,
            period=period,
            months=months,
            error=visit.refused(error),
        )
    return visit.render("notice.html", notice=reply, period=period, months=months)
