"""A form's CSRF token belongs to one session (or, before sign-in, one visitor)."""

from __future__ import annotations

from starlette.requests import Request

from web.security import SESSION_COOKIE, VISITOR_COOKIE, Csrf


def request(cookies: dict[str, str]) -> Request:
    header = "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()
    return Request({"type": "http", "headers": [(b"cookie", header)], "state": {}})


def test_a_token_is_valid_only_for_its_own_session() -> None:
    csrf = Csrf("secret")
    mine = request({SESSION_COOKIE: "s1", VISITOR_COOKIE: "v1"})
    token = csrf.token(mine)
    assert csrf.valid(mine, token)
    assert not csrf.valid(request({SESSION_COOKIE: "s2", VISITOR_COOKIE: "v1"}), token)
    assert not csrf.valid(mine, "forged")
    assert not csrf.valid(mine, "")
    assert not Csrf("another secret").valid(mine, token)


def test_a_visitor_before_sign_in_has_a_token_too() -> None:
    csrf = Csrf("secret")
    visitor = request({VISITOR_COOKIE: "v1"})
    assert csrf.valid(visitor, csrf.token(visitor))
    assert not csrf.valid(request({VISITOR_COOKIE: "v2"}), csrf.token(visitor))
