"""The tokens the web app presents to the services, never broader than the person it acts
for, valid for `VANGUARD_WEB_TOKEN_TTL_SECONDS` (two minutes by default) and re-issued
before they run out:

- a signed-in user: that user's role, subject (member id, or the committee account's name),
  school and — a secretary's — branch. The services check every permission on it as they
  would for the CLI or SDK.
- a visitor who is not signed in: role `public`, subject `visitor-<hash of the client's
  address>`, so that the services' per-client limits on the public methods (board, feedback,
  公示) count each visitor, not the web app as one client.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from kernel.envelope import Role
from kernel.tokens import issue_token
from web.accounts import Account

RENEW_BEFORE_S = 30


class WebTokens:
    """A `vanguard_sdk.TokenSource` for one person."""

    def __init__(
        self,
        secret: str,
        school: str,
        ttl_s: int,
        *,
        subject: str,
        role: Role,
        branch: str | None = None,
    ) -> None:
        self._secret, self._school = secret, school
        self._ttl_s = max(ttl_s, RENEW_BEFORE_S + 10)
        self.subject, self.role, self.branch = subject, role, branch
        self._current: str | None = None
        self._expires = 0.0

    @classmethod
    def for_account(cls, secret: str, school: str, ttl_s: int, account: Account) -> WebTokens:
        branch = account.branch_id if account.role is Role.SECRETARY else None
        return cls(secret, school, ttl_s, subject=account.subject, role=account.role, branch=branch)

    @classmethod
    def for_visitor(cls, secret: str, school: str, ttl_s: int, address: str) -> WebTokens:
        digest = hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()
        return cls(secret, school, ttl_s, subject=f"visitor-{digest[:16]}", role=Role.PUBLIC)

    def token(self) -> str:
        if self._current is None or time.time() > self._expires - RENEW_BEFORE_S:
            self._current = issue_token(
                self._secret,
                subject=self.subject,
                role=self.role,
                school=self._school,
                branch=self.branch,
                ttl_s=self._ttl_s,
            )
            self._expires = time.time() + self._ttl_s
        return self._current
