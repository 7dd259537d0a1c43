"""How far the pledges store is, asked of pledges over gRPC (`GetStatus`, with a service
token and a deadline), for the publication watermark (scoring/stream/closing.py).

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

from kernel.grpc.service_client import ServiceClient
from vanguard.common.v1 import status_pb2
from vanguard.pledges.v1 import pledges_pb2_grpc

log = logging.getLogger("vanguard.scoring")
SUBJECT = "scoring"


class PledgesHead(ServiceClient[pledges_pb2_grpc.PledgeServiceStub]):
    def __init__(self, address: str, token_secret: str, *, timeout_s: float = 2.0) -> None:
        super().__init__(
            address, token_secret, SUBJECT, pledges_pb2_grpc.PledgeServiceStub, timeout_s=timeout_s
        )

    async def head(self, school_id: str) -> int | None:
        """The pledges store's head position; None when pledges does not answer now."""
        try:
            status = await self.stub().GetStatus(
                status_pb2.GetStatusRequest(),
                metadata=self.metadata(school_id),
                timeout=self.timeout_s,
            )
        except grpc.aio.AioRpcError as error:
            log.info("pledges cannot say its head now (%s); a close waits", error.code().name)
            return None
        return int(status.head_position)
