"""The web app's routes (one Starlette application; `bootstrap` composes it)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from web import committee, live, member, public, secretary, signin
from web.core import Visit, Web
from web.i18n import COOKIE as LANG_COOKIE
from web.i18n import LANGUAGES
from web.security import VISITOR_COOKIE, set_cookie, visitor_id

STATIC = Path(__file__).parent / "static"
YEAR_S = 365 * 24 * 3600


async def cookies(request: Request, call_next: RequestResponseEndpoint) -> Response:
    """Every visitor gets a visitor cookie (the CSRF basis before signing in); `?lang=`
    is remembered in the language cookie. The pages are not cached or framed."""
    visitor_id(request)
    started = time.perf_counter()
    response = await call_next(request)
    # The server's time for the page (what the benchmark reads; streams: until they start).
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    made = getattr(request.state, "visitor", "")
    if made and not request.cookies.get(VISITOR_COOKIE):
        set_cookie(response, VISITOR_COOKIE, made, max_age=YEAR_S)
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        set_cookie(response, LANG_COOKIE, lang, max_age=YEAR_S)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    )
    return response


async def healthz(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


async def not_found(request: Request, exc: Exception) -> Response:
    visit = Visit.of(request)
    return visit.render(
        "error.html",
        404,
        error={
            "status": visit.t("未找到", "not found"),
            "code": "NOT_FOUND",
            "field": "",
            "message": request.url.path,
        },
    )


async def failed(request: Request, exc: Exception) -> Response:
    """Never a stack trace on a page: the log has it."""
    visit = Visit.of(request)
    return visit.render(
        "error.html",
        500,
        error={
            "status": visit.t("出现错误", "something went wrong"),
            "code": "INTERNAL",
            "field": "",
            "message": "the web app's log has the details",
        },
    )


def create_app(web: Web) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await web.vanguard.close()

    routes = [
        Route("/", public.board),
        Route("/feedback/{pledge_id}", public.feedback_page),
        Route("/feedback/{pledge_id}", public.give_feedback, methods=["POST"]),
        Route("/notice", public.notice),
        Route("/signin", signin.signin_page),
        Route("/signin", signin.signin, methods=["POST"]),
        Route("/signout", signin.signout, methods=["POST"]),
        Route("/invite", signin.invitation_page),
        Route("/invite", signin.accept_invitation, methods=["POST"]),
        Route("/admin", signin.admin_page),
        Route("/admin", signin.create_account, methods=["POST"]),
        Route("/me", member.me),
        Route("/archive/{member_id}", member.archive),
        Route("/me/pledge", member.make_pledge, methods=["POST"]),
        Route("/me/fulfilment/{pledge_id}", member.report_fulfilment, methods=["POST"]),
        Route("/me/assessment", member.assess, methods=["POST"]),
        Route("/queue", secretary.queue),
        Route("/act/{action}", secretary.act, methods=["POST"]),
        Route("/dashboard", committee.dashboard),
        Route("/close", committee.close_page),
        Route("/close", committee.close_month, methods=["POST"]),
        Route("/publication/{period}", committee.publication),
        Route("/whatif", committee.what_if_page),
        Route("/whatif", committee.what_if, methods=["POST"]),
        Route("/live/board", live.board),
        Route("/live/dashboard", live.dashboard),
        Route("/live/queue", live.queue),
        Route("/live/archive/{member_id}", live.archive),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=cookies)],
        exception_handlers={404: not_found, 500: failed},
        lifespan=lifespan,
    )
    app.state.web = web
    return app
