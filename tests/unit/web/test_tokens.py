"""What the web app tells the services about the person it acts for: no more than who
they are, for no longer than a couple of minutes."""

from __future__ import annotations

import time

import jwt

from kernel.envelope import Role
from kernel.tokens import TokenVerifier
from web.accounts import Account
from web.tokens import WebTokens

SECRET = "test-secret"


def test_a_secretary_is_a_secretary_of_their_branch_and_a_member_is_themself() -> None:
    verifier = TokenVerifier(SECRET)
    secretary = Account("m01", Role.SECRETARY, "m01", "chinese")
    principal = verifier.verify(WebTokens.for_account(SECRET, "demo", 120, secretary).token())
    assert (principal.role, principal.subject, principal.school_id, principal.branch_id) == (
        Role.SECRETARY,
        "m01",
        "demo",
        "chinese",
    )
    member = Account("zhang", Role.MEMBER, "m03", "chinese")
    principal = verifier.verify(WebTokens.for_account(SECRET, "demo", 120, member).token())
    assert (principal.role, principal.subject, principal.branch_id) == (Role.MEMBER, "m03", None)


def test_the_token_is_short_lived() -> None:
    committee = Account("committee", Role.COMMITTEE, "", "")
    token = WebTokens.for_account(SECRET, "demo", 120, committee).token()
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer="vanguard")
    assert claims["exp"] - time.time() <= 121
    assert claims["sub"] == "committee" and claims["role"] == "committee"


def test_a_visitor_is_public_and_told_apart_by_address_without_revealing_it() -> None:
    one = WebTokens.for_visitor(SECRET, "demo", 120, "203.0.113.7")
    other = WebTokens.for_visitor(SECRET, "demo", 120, "203.0.113.8")
    principal = TokenVerifier(SECRET).verify(one.token())
    assert principal.role is Role.PUBLIC
    assert principal.subject.startswith("visitor-") and "203.0.113" not in principal.subject
    assert principal.subject != TokenVerifier(SECRET).verify(other.token()).subject
