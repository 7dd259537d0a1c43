"""Signed bearer tokens: JWT, HS256 with `Settings.token_secret`, issued by "vanguard"."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import jwt

from kernel.auth import Principal
from kernel.envelope import Role
from kernel.errors import Unauthenticated, quoted

ISSUER = "vanguard"
ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("iss", "sub", "role", "school", "iat", "exp")
VERIFIED_TOKENS = 1024  # tokens kept verified: a client sends the same one on every call

# Checked in order: subclasses before their bases (a bad signature is also a DecodeError).
_REASONS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "token has expired"),
    (jwt.InvalidSignatureError, "token signature does not verify (forged or another secret)"),
    (jwt.InvalidAlgorithmError, f"token is not signed with {ALGORITHM}"),
    (jwt.InvalidIssuerError, f"token was not issued by {ISSUER!r}"),
    (jwt.ImmatureSignatureError, "token is not valid yet (issued in the future)"),
    (jwt.DecodeError, "token is malformed"),
)


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    school: str,
    branch: str | None = None,
    ttl_s: int,
) -> str:
    if not subject or not school:
        raise ValueError("a token needs a subject and a school")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": subject,
        "role": Role(role).value,
        "school": school,
        "iat": now,
        "exp": now + int(ttl_s),
    }
    if branch is not None:
        claims["branch"] = branch
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class TokenVerifier:
    """Turns a bearer token into a Principal, or raises Unauthenticated saying why."""

    def __init__(
        self, secret: str, *, leeway_s: float = 5.0, cached: int = VERIFIED_TOKENS
    ) -> None:
        if not secret:
            raise ValueError("the token secret must not be empty")
        self._secret = secret
        self._leeway_s = leeway_s  # tolerated clock skew between issuer and verifier
        self._cached = cached
        # token -> (principal, the last moment it is accepted: exp + leeway). Only tokens
        # that verified are kept; a kept one is given up for a full check once it expires.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        kept = self._verified.get(token)
        if kept is not None:
            if time.time() <= kept[1]:
                self._verified.move_to_end(token)
                return kept[0]
            self._verified.pop(token, None)  # expired: the full check says so
        claims = self._decode(token)
        principal = Principal(
            subject=_text(claims, "sub"),
            role=_role(claims),
            school_id=_text(claims, "school"),
            branch_id=_optional_text(claims, "branch"),
        )
        if self._cached > 0:
            self._verified[token] = (principal, float(claims["exp"]) + self._leeway_s)
            if len(self._verified) > self._cached:
                self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> dict[str, Any]:
        if not token:
            raise Unauthenticated("bearer token is empty")
        try:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=self._leeway_s,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.MissingRequiredClaimError as error:
            raise Unauthenticated(f"token lacks the {error.claim!r} claim") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(_reason(error)) from None


def _reason(error: jwt.InvalidTokenError) -> str:
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "token is invalid"  # the library's class name tells a caller nothing useful


def _text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise Unauthenticated(f"token claim {name!r} must be a non-empty string")
    return value


def _optional_text(claims: dict[str, Any], name: str) -> str | None:
    return None if claims.get(name) is None else _text(claims, name)


def _role(claims: dict[str, Any]) -> Role:
    try:
        return Role(claims["role"])
    except ValueError:
        raise Unauthenticated(
            f"token names an unknown role {quoted(str(claims['role']))}"
        ) from None


class ServiceTokens:
    """Tokens a service presents when it calls another, one per school, renewed before they
    expire (role `service`, subject the calling service)."""

    def __init__(self, secret: str, subject: str, *, ttl_s: int = 3600, renew_s: int = 300) -> None:
        self._secret, self.subject = secret, subject
        self.ttl_s, self.renew_s = ttl_s, renew_s
        self._tokens: dict[str, tuple[str, float]] = {}  # school -> (token, expires at)

    def for_school(self, school_id: str) -> str:
        token, expires_at = self._tokens.get(school_id, ("", 0.0))
        if expires_at - time.time() < self.renew_s:
            token = issue_token(
                self._secret,
                subject=self.subject,
                role=Role.SERVICE,
                school=school_id,
                ttl_s=self.ttl_s,
            )
            self._tokens[school_id] = (token, time.time() + self.ttl_s)
        return token
