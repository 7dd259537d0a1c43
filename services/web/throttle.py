"""Guessing passwords made slow: after `USER_LIMIT` wrong passwords for one user name, or
`ADDRESS_LIMIT` from one address (a school's network may be one address), within
`WINDOW_S`, sign-in for it is refused until the window has passed."""

from __future__ import annotations

import time
from collections import deque

USER_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW_S = 300.0
MAX_KEYS = 10_000


class SignInThrottle:
    def __init__(self, limit: int = USER_LIMIT, window_s: float = WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}

    def wait_s(self, *keys: str) -> float:
        """0 when a sign-in for these keys (user name, address) may be tried now, else the
        seconds until it may."""
        now = time.monotonic()
        waits = [0.0]
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.limit:
                waits.append(failures[0] + self.window_s - now)
        return max(waits)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self._failures) > MAX_KEYS:
            for key in [k for k, f in self._failures.items() if not self._recent(k, now)]:
                del self._failures[key]
        for key in keys:
            self._failures.setdefault(key, deque(maxlen=self.limit)).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures
