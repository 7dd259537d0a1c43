"""Guessing passwords: a few wrong ones, then a wait, per user name and per address."""

from __future__ import annotations

from web.throttle import SignInThrottle


def test_five_wrong_passwords_make_the_sixth_attempt_wait() -> None:
    throttle = SignInThrottle(limit=5, window_s=300)
    for _ in range(4):
        throttle.failed("user:m03", "address:1")
    assert throttle.wait_s("user:m03", "address:1") == 0
    throttle.failed("user:m03", "address:1")
    assert 299 < throttle.wait_s("user:m03", "address:2") <= 300  # another address: same user
    assert 299 < throttle.wait_s("user:m01", "address:1") <= 300  # another user: same address
    assert throttle.wait_s("user:m01", "address:2") == 0


def test_failures_older_than_the_window_and_a_success_count_no_more() -> None:
    throttle = SignInThrottle(limit=2, window_s=0.0)
    throttle.failed("user:m03")
    throttle.failed("user:m03")
    assert throttle.wait_s("user:m03") == 0  # a window of 0 s: already past
    throttle = SignInThrottle(limit=2, window_s=300)
    throttle.failed("user:m03")
    throttle.succeeded("user:m03")
    throttle.failed("user:m03")
    assert throttle.wait_s("user:m03") == 0
