"""One Vanguard service calling another: a channel opened on first use (inside the caller's
event loop), the callee's stub, a service token for the school and a deadline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import grpc

from kernel.errors import Unavailable
from kernel.grpc.client import SERVICE_CHANNEL_OPTIONS, Metadata, bearer, channel
from kernel.tokens import ServiceTokens

S = TypeVar("S")


class ServiceClient(Generic[S]):
    """Adapters to another service build on this; they turn its gRPC failures into domain
    errors, so nothing beyond the adapter knows the other side is a gRPC service."""

    def __init__(
        self,
        address: str,
        token_secret: str,
        subject: str,
        stub: Callable[[grpc.aio.Channel], S],
        *,
        timeout_s: float = 2.0,
    ) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._tokens = ServiceTokens(token_secret, subject)
        self._new_stub = stub
        self._channel: grpc.aio.Channel | None = None
        self._stub: S | None = None

    def stub(self) -> S:
        if self._stub is None:  # created on first use, inside the caller's event loop
            self._channel = channel(self.address, SERVICE_CHANNEL_OPTIONS)
            self._stub = self._new_stub(self._channel)
        return self._stub

    def metadata(self, school_id: str) -> Metadata:
        """Call metadata with this service's token for the school."""
        return bearer(self._tokens.for_school(school_id))

    def timed_out(self, service: str) -> Unavailable:
        """The error for a call the other service did not answer within the deadline."""
        return Unavailable(f"{service} did not answer within {self.timeout_s:g} s; retry")

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close(grace=None)
            self._channel = self._stub = None
