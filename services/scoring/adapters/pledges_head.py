"""How far the pledges store is, asked of pledges over gRPC (`GetStatus`, with a service
token and a deadline), for the publication watermark (scoring.stream.closing).

A close admits the pledges events recorded no later than it. Which those are is decided by
their time alone, but when all of them have arrived is not: a pledges event recorded before
the close may still be in the pledges store, unpublished (its relay behind, or pledges killed
before it published). Pledges store positions are gapless, so a close waits until every
pledges position up to the head pledges reports *after* the close was recorded has been
applied: whatever was recorded before the close is among them. While pledges cannot be asked
(down, starting), the close waits and asks again.
"""

from __future__ import annotations

import logging

import grpc

from kernel.grpc.client import SERVICE_CHANNEL_OPTIONS, bearer
from kernel.tokens import ServiceTokens
from vanguard.common.v1 import status_pb2
from vanguard.pledges.v1 import pledges_pb2_grpc

log = logging.getLogger("vanguard.scoring")
SUBJECT = "scoring"


class PledgesHead:
    def __init__(self, address: str, token_secret: str, *, timeout_s: float = 2.0) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._tokens = ServiceTokens(token_secret, SUBJECT)
        self._stub: pledges_pb2_grpc.PledgeServiceStub | None = None

    async def head(self, school_id: str) -> int | None:
        """The pledges store's head position; None when pledges does not answer now."""
        try:
            status = await self._pledges().GetStatus(
                status_pb2.GetStatusRequest(),
                metadata=bearer(self._tokens.for_school(school_id)),
                timeout=self.timeout_s,
            )
        except grpc.aio.AioRpcError as error:
            log.info("pledges cannot say its head now (%s); a close waits", error.code().name)
            return None
        return int(status.head_position)

    def _pledges(self) -> pledges_pb2_grpc.PledgeServiceStub:
        if self._stub is None:  # created on first use, inside the worker's event loop
            channel = grpc.aio.insecure_channel(self.address, options=SERVICE_CHANNEL_OPTIONS)
            self._stub = pledges_pb2_grpc.PledgeServiceStub(channel)
        return self._stub
