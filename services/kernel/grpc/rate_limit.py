"""Per-client rate limits of the public methods (pledges' board and feedback, archives' 公示):
a token bucket per client, keyed by the token's subject or, for anonymous callers, by the
peer's address (without its port). Applied at the edge, in the gRPC method (`within`)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from kernel.auth import Principal, current_principal
from kernel.errors import RateLimited
from kernel.grpc.replies import ServicerContext

MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first


@dataclass
class TokenBucket:
    capacity: float
    refill_per_s: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.refill_per_s)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.refill_per_s


class RateLimiter:
    def __init__(
        self,
        capacity: int,
        refill_per_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.capacity = capacity
        self.refill_per_s = refill_per_s
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, client: str) -> float:
        """0 when the client may go on, else the seconds it should wait."""
        now = self.clock()
        bucket = self._buckets.pop(client, None) or TokenBucket(
            self.capacity, self.refill_per_s, self.capacity, now
        )
        self._buckets[client] = bucket  # most recently seen last
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return bucket.take(now)


def client_of(principal: Principal, peer: str) -> str:
    """`subject:<school>/<subject>` for a token, else `peer:<address>` (`ipv4:1.2.3.4:5678`
    loses its port: a client opens many connections from one address)."""
    if principal.school_id is not None:
        return f"subject:{principal.school_id}/{principal.subject}"
    address = peer.rsplit(":", 1)[0] if peer.count(":") >= 2 else peer
    return f"peer:{address}"


def within(limit: RateLimiter, context: ServicerContext) -> None:
    """Go on if the calling client has a token left, else RESOURCE_EXHAUSTED with the wait."""
    wait_s = limit.take(client_of(current_principal(), context.peer()))
    if wait_s > 0:
        raise RateLimited(
            f"too many requests from this client; retry in {wait_s:.1f} s",
            retry_after_s=wait_s,
        )
