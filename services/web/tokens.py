"""The token the web app presents for a signed-in user: that user's role, subject, school
and (a secretary's) branch, valid for `VANGUARD_WEB_TOKEN_TTL_SECONDS` (two minutes by
default) and re-issued before it runs out, never a broader role. The services check every
permission on it as they would for the CLI or SDK."""

from __future__ import annotations

import time

from kernel.envelope import Role
from kernel.tokens import issue_token
from web.accounts import Account

RENEW_BEFORE_S = 30


class UserTokens:
    """A `vanguard_sdk.TokenSource` for one signed-in account."""

    def __init__(self, secret: str, account: Account, school: str, ttl_s: int) -> None:
        self._secret, self._account, self._school = secret, account, school
        self._ttl_s = max(ttl_s, RENEW_BEFORE_S + 10)
        self._current: str | None = None
        self._expires = 0.0

    def token(self) -> str:
        if self._current is None or time.time() > self._expires - RENEW_BEFORE_S:
            account = self._account
            self._current = issue_token(
                self._secret,
                subject=account.subject,
                role=account.role,
                school=self._school,
                branch=account.branch_id if account.role is Role.SECRETARY else None,
                ttl_s=self._ttl_s,
            )
            self._expires = time.time() + self._ttl_s
        return self._current
