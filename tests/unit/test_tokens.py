"""Bearer tokens: what `issue_token` signs, `TokenVerifier` gives back, and every way a
token can be bad, each with a message that says which."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from kernel.auth import Principal
from kernel.envelope import Role
from kernel.errors import Unauthenticated
from kernel.tokens import ALGORITHM, ISSUER, TokenVerifier, issue_token

SECRET = "unit-test-secret-long-enough-for-hs256!"
OTHER_SECRET = "another-secret-long-enough-for-hs256!!"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "teacher-7",
        "role": "member",
        "school": "school-1",
        "iat": now,
        "exp": now + 60,
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def rejection(token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        TokenVerifier(SECRET).verify(token)
    return caught.value.message


def test_roundtrip_gives_back_the_principal() -> None:
    token = issue_token(
        SECRET, subject="sec-3", role=Role.SECRETARY, school="school-1", branch="b-2", ttl_s=60
    )

    assert TokenVerifier(SECRET).verify(token) == Principal(
        subject="sec-3", role=Role.SECRETARY, school_id="school-1", branch_id="b-2"
    )


def test_branch_is_optional_and_the_token_carries_issuer_and_lifetime() -> None:
    token = issue_token(SECRET, subject="c-1", role=Role.COMMITTEE, school="school-1", ttl_s=90)

    payload = jwt.decode(token, SECRET, algorithms=[ALGORITHM], issuer=ISSUER)
    assert payload["exp"] - payload["iat"] == 90
    assert "branch" not in payload
    assert TokenVerifier(SECRET).verify(token).branch_id is None


def test_forged_signature_is_rejected() -> None:
    token = issue_token(OTHER_SECRET, subject="x", role=Role.COMMITTEE, school="s", ttl_s=60)

    assert "signature" in rejection(token)


def test_tampered_payload_is_rejected() -> None:
    header, _, signature = issue_token(
        SECRET, subject="x", role=Role.MEMBER, school="s", ttl_s=60
    ).split(".")
    promoted = jwt.encode(claims(role="committee"), OTHER_SECRET, algorithm=ALGORITHM)

    assert "signature" in rejection(f"{header}.{promoted.split('.')[1]}.{signature}")


def test_unsigned_token_is_rejected() -> None:
    unsigned = jwt.encode(claims(role="committee"), key=None, algorithm="none")

    assert ALGORITHM in rejection(unsigned)


def test_expired_token_is_rejected() -> None:
    token = issue_token(SECRET, subject="x", role=Role.MEMBER, school="s", ttl_s=-60)

    assert "expired" in rejection(token)


def test_wrong_issuer_is_rejected() -> None:
    token = jwt.encode(claims(iss="someone-else"), SECRET, algorithm=ALGORITHM)

    assert ISSUER in rejection(token)


@pytest.mark.parametrize("garbage", ["not-a-token", "a.b.c", "Bearer", "eyJhbGciOi.."])
def test_malformed_token_is_rejected(garbage: str) -> None:
    assert "malformed" in rejection(garbage)


def test_empty_token_is_rejected() -> None:
    assert "empty" in rejection("")


@pytest.mark.parametrize("claim", ["sub", "role", "school", "exp", "iat", "iss"])
def test_missing_claim_is_named(claim: str) -> None:
    token = jwt.encode(claims(**{claim: None}), SECRET, algorithm=ALGORITHM)

    assert repr(claim) in rejection(token)


def test_unknown_role_is_rejected() -> None:
    token = jwt.encode(claims(role="headmaster"), SECRET, algorithm=ALGORITHM)

    assert "headmaster" in rejection(token)


def test_empty_school_claim_is_rejected() -> None:
    token = jwt.encode(claims(school=""), SECRET, algorithm=ALGORITHM)

    assert "'school'" in rejection(token)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        TokenVerifier("")
