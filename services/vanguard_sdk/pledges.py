"""The pledges client: commands (`PledgeCommands`), queries and the public board."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from vanguard.common.v1 import status_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard.pledges.v1 import pledges_pb2_grpc
from vanguard_sdk.base import PAGE_SIZE, every_page
from vanguard_sdk.calls import Caller
from vanguard_sdk.pledge_commands import PledgeCommands


class PledgesClient(PledgeCommands):
    def __init__(self, channel: grpc.aio.Channel, caller: Caller, school_id: str) -> None:
        super().__init__(caller, school_id)
        self._stub = pledges_pb2_grpc.PledgeServiceStub(channel)

    async def get_status(self) -> status_pb2.ServiceStatus:
        return await self._query(self._stub.GetStatus, status_pb2.GetStatusRequest())

    async def get_pledge(self, pledge_id: str) -> pb.Pledge:
        request = pb.GetPledgeRequest(school_id=self.school_id, pledge_id=pledge_id)
        return await self._query(self._stub.GetPledge, request)

    async def list_pledges(
        self,
        *,
        member_id: str = "",
        branch_id: str = "",
        status: str = "",
        pdca_stage: str = "",
        period: str = "",
        page_size: int = 0,
        page_token: str = "",
    ) -> pb.ListPledgesReply:
        request = pb.ListPledgesRequest(
            school_id=self.school_id,
            member_id=member_id,
            branch_id=branch_id,
            status=status,
            pdca_stage=pdca_stage,
            period=period,
            page_size=page_size,
            page_token=page_token,
        )
        return await self._query(self._stub.ListPledges, request)

    async def pledges(
        self, *, branch_id: str = "", member_id: str = ""
    ) -> AsyncIterator[pb.Pledge]:
        """Every pledge the caller may see (filtered by branch or member), page after page."""
        pages = every_page(
            lambda token: self.list_pledges(
                branch_id=branch_id, member_id=member_id, page_size=PAGE_SIZE, page_token=token
            ),
            lambda page: page.pledges,
        )
        async for pledge in pages:
            yield pledge

    async def list_feedback(
        self, *, pledge_id: str = "", branch_id: str = "", status: str = ""
    ) -> pb.ListFeedbackReply:
        request = pb.ListFeedbackRequest(
            school_id=self.school_id, pledge_id=pledge_id, branch_id=branch_id, status=status
        )
        return await self._query(self._stub.ListFeedback, request)

    async def public_board(
        self, *, branch_id: str = "", lead: str = "", page_size: int = 0, page_token: str = ""
    ) -> pb.PublicBoardReply:
        """Published pledges as the public sees them (公示); no token needed."""
        request = pb.PublicBoardRequest(
            school_id=self.school_id,
            branch_id=branch_id,
            lead=lead,
            page_size=page_size,
            page_token=page_token,
        )
        return await self._query(self._stub.PublicBoard, request)
