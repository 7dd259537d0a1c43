"""How the SDK makes a call: bearer token, one deadline for the whole call (retries included),
bounded retries with backoff on UNAVAILABLE, and errors turned into `VanguardError`; a server
stream reconnects on UNAVAILABLE and resumes after the last item it delivered.

A command is retried only because it carries an idempotency key: the key is fixed before the
first attempt and every retry repeats it, so a command the server applied before the reply
was lost comes back `replayed` instead of being applied twice."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc

from kernel.grpc.client import Metadata, bearer
from vanguard_sdk.errors import VanguardError
from vanguard_sdk.tokens import TokenSource

R = TypeVar("R")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter between attempts, all within the call's deadline."""

    attempts: int = 5  # including the first
    initial_backoff_s: float = 0.1
    multiplier: float = 2.0
    max_backoff_s: float = 2.0

    def backoffs(self) -> Iterator[float]:
        """The pauses between `attempts` attempts."""
        return itertools.islice(self.delays(), self.attempts - 1)

    def delays(self) -> Iterator[float]:
        """Pauses without end, growing to `max_backoff_s` (a stream reconnecting)."""
        backoff = self.initial_backoff_s
        while True:
            yield backoff * random.uniform(0.5, 1.0)  # spread retries of many clients
            backoff = min(backoff * self.multiplier, self.max_backoff_s)


@dataclass(frozen=True)
class CallPolicy:
    timeout_s: float = 10.0  # deadline of one call, retries included
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def with_key(request: Any) -> Any:
    """The request with an idempotency key: its own, or a fresh one on a copy."""
    if request.options.idempotency_key:
        return request
    keyed = type(request)()
    keyed.CopyFrom(request)
    keyed.options.idempotency_key = uuid.uuid4().hex
    return keyed


class Caller:
    def __init__(self, tokens: TokenSource, policy: CallPolicy, sleep: Sleep = asyncio.sleep):
        self.tokens = tokens
        self.policy = policy
        self.sleep = sleep

    def metadata(self) -> Metadata:
        token = self.tokens.token()
        return bearer(token) if token else ()

    async def unary(self, method: Any, request: Any, timeout: float | None = None) -> Any:
        """One unary call, retried on UNAVAILABLE while attempts and the deadline last."""
        deadline = time.monotonic() + (timeout or self.policy.timeout_s)
        backoffs = self.policy.retry.backoffs()
        while True:
            try:
                return await method(
                    request,
                    metadata=self.metadata(),
                    timeout=max(deadline - time.monotonic(), 0.001),
                )
            except grpc.aio.AioRpcError as error:
                pause = next(backoffs, None) if error.code() is _UNAVAILABLE else None
                if pause is None or time.monotonic() + pause >= deadline:
                    raise VanguardError.of(error) from None
                await self.sleep(pause)

    async def command(self, method: Any, request: Any, timeout: float | None = None) -> Any:
        return await self.unary(method, with_key(request), timeout)

    async def stream(
        self,
        method: Any,
        request_after: Callable[[str], Any],
        position_of: Callable[[Any], str],
        *,
        after: str = "",
        reconnect_s: float = 0.0,
        on_reconnect: Callable[[VanguardError], None] | None = None,
    ) -> AsyncIterator[Any]:
        """A server stream with no deadline (it lasts until the caller stops reading).

        `request_after(position)` is the request that resumes after an item's position ("":
        from now on), `position_of(item)` an item's position; the stream starts after
        `after`. When the connection is lost (UNAVAILABLE: the server restarted, the network
        dropped) the stream reconnects, with the retry policy's backoff, after the last item
        received, so nothing is missed or repeated; it gives up once `reconnect_s` pass
        without the server answering."""
        position = after
        give_up_at = time.monotonic() + reconnect_s
        delays = self.policy.retry.delays()
        while True:
            call = method(request_after(position), metadata=self.metadata())
            try:
                # The server took the call (one that failed has no metadata): patience renews.
                if await call.initial_metadata():
                    give_up_at = time.monotonic() + reconnect_s
                    delays = self.policy.retry.delays()
                async for item in call:
                    position = position_of(item) or position
                    yield item
                return
            except grpc.aio.AioRpcError as error:
                pause = next(delays)
                if error.code() is not _UNAVAILABLE or time.monotonic() + pause > give_up_at:
                    raise VanguardError.of(error) from None
                if on_reconnect is not None:
                    on_reconnect(VanguardError.of(error))
            finally:
                call.cancel()
            await self.sleep(pause)


_UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
