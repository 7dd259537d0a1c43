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
    visit: Visit,
    pledge_id: str,
    error: dict[str, str] | None,
    form: dict[str, str],
    status: int = 200,
) -> Response:
    """The form beside the pledge as the board shows it (a pledge not on the board: 404)."""
    board = await visit.cached(("board", ""), lambda: board_data(visit))
    pledge = next((p for p in board["pledges"] if p.pledge_id == pledge_id), None)
    if pledge is None:
        missing = {"status": visit.t("未找到", "not found"), "code": "NOT_FOUND"}
        return visit.render(
            "error.html", 404, error={**missing, "field": "pledge_id", "message": pledge_id}
        )
    return visit.render(
        "feedback.html",
        status,
        pledge=pledge,
        kinds=REVIEWER_KINDS,
        error=error,
        form=form,
    )


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
        return await _feedback(visit, pledge_id, visit.refused(error), form, status_of(error))
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
