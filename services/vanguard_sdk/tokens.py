"""Where a client's bearer token comes from: a fixed one, or development tokens issued (and
re-issued before they expire) from the shared secret."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import jwt

from kernel.envelope import Role
from kernel.tokens import issue_token

RENEW_BEFORE_S = 60  # a token this close to expiry is replaced before a call


class TokenSource(Protocol):
    def token(self) -> str | None:
        """The token for the next call; None calls without one (public methods)."""
        ...


@dataclass(frozen=True)
class StaticToken:
    value: str | None

    def token(self) -> str | None:
        return self.value


@dataclass
class DevTokens:
    """Signs its own tokens with the deployment's secret: for development and operators who
    hold the secret (`VANGUARD_TOKEN_SECRET`), never for end users."""

    secret: str
    role: Role
    school: str
    subject: str = "dev"
    branch: str | None = None
    ttl_s: int = 3600
    _current: str | None = field(default=None, init=False, repr=False)
    _expires: float = field(default=0.0, init=False, repr=False)

    def token(self) -> str:
        if self._current is None or time.time() > self._expires - RENEW_BEFORE_S:
            self._current = issue_token(
                self.secret,
                subject=self.subject,
                role=self.role,
                school=self.school,
                branch=self.branch,
                ttl_s=self.ttl_s,
            )
            self._expires = time.time() + self.ttl_s
        return self._current


def claims_of(token: str) -> dict[str, Any]:
    """A token's claims, unverified: the client reads its own school from them; the server is
    the one that checks the signature."""
    try:
        return dict(jwt.decode(token, options={"verify_signature": False}))
    except jwt.InvalidTokenError:
        return {}
