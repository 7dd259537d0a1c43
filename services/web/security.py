"""Cookies and CSRF.

- `vg_session`: the signed-in session's random id (HttpOnly, SameSite=Lax, Path=/); the
  store keeps only its hash.
- `vg_visitor`: a random id for everyone, signed in or not (HttpOnly, SameSite=Lax), so
  that the public's forms are protected as well.
- The CSRF token of a page is an HMAC of the session id (signed in) or the visitor id, under
  a key derived from the token secret: session-bound, nothing to store, and a page of
  another session or a forged value does not match. Every POST carries it as `csrf`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "vg_session"
VISITOR_COOKIE = "vg_visitor"


class Csrf:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(f"vanguard-web-csrf:{secret}".encode()).digest()

    def token(self, request: Request) -> str:
        basis = _basis(request)
        return hmac.new(self._key, basis.encode(), hashlib.sha256).hexdigest()

    def valid(self, request: Request, sent: str) -> bool:
        return bool(sent) and hmac.compare_digest(self.token(request), sent)


def _basis(request: Request) -> str:
    session = request.cookies.get(SESSION_COOKIE, "")
    if session:
        return f"session:{session}"
    return f"visitor:{visitor_id(request)}"


def visitor_id(request: Request) -> str:
    """The visitor's id: the cookie's, or one made for this response (set by the
    middleware), kept on the request so the page's token and the cookie agree."""
    existing = request.cookies.get(VISITOR_COOKIE) or getattr(request.state, "visitor", "")
    if not existing:
        existing = secrets.token_urlsafe(18)
        request.state.visitor = existing
    return existing


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", path="/", secure=False
    )
