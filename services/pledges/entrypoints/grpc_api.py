"""gRPC entrypoint of pledges: thin methods that turn requests into commands and queries.
The public methods (`PublicBoard`, `GiveFeedback`) admit anonymous callers and are rate
limited per client here, at the edge."""

from __future__ import annotations

from contracts.periods import parse_period
from contracts.vocabulary import PledgeStatus, Stage
from kernel import validation as v
from kernel.auth import current_principal
from kernel.grpc.rate_limit import RateLimiter, within
from kernel.grpc.replies import ServicerContext, VisibilityWait
from kernel.grpc.status import StatusMixin, StatusSource
from pledges import commands as c
from pledges.domain.vocabulary import FeedbackStatus
from pledges.entrypoints import convert
from pledges.entrypoints.command_api import PledgeCommands
from pledges.handlers import PledgesHandlers
from pledges.reading import PledgesReader, page_of
from vanguard.common.v1 import command_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard.pledges.v1 import pledges_pb2_grpc

Reply = command_pb2.CommandReply

SERVICE_NAME = "vanguard.pledges.v1.PledgeService"
PUBLIC_METHODS = frozenset({f"/{SERVICE_NAME}/PublicBoard", f"/{SERVICE_NAME}/GiveFeedback"})


class PledgeApi(StatusMixin, PledgeCommands, pledges_pb2_grpc.PledgeServiceServicer):
    def __init__(
        self,
        runtime: StatusSource,
        handlers: PledgesHandlers,
        reader: PledgesReader,
        wait_visible: VisibilityWait,
        *,
        feedback_limit: RateLimiter,
        board_limit: RateLimiter,
    ) -> None:
        self.runtime = runtime
        self.handlers = handlers
        self.reader = reader
        self.wait_visible = wait_visible
        self.feedback_limit = feedback_limit
        self.board_limit = board_limit

    # -- public ----------------------------------------------------------------------------

    async def GiveFeedback(
        self, request: pb.GiveFeedbackRequest, context: ServicerContext
    ) -> Reply:
        within(self.feedback_limit, context)
        cmd = c.GiveFeedback(
            request.school_id,
            request.pledge_id,
            request.rating,
            request.text,
            request.reviewer_kind,
            request.contact,
        )
        result = self.handlers.give_feedback(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request, context)

    async def PublicBoard(
        self, request: pb.PublicBoardRequest, context: ServicerContext
    ) -> pb.PublicBoardReply:
        within(self.board_limit, context)
        documents, token = self.reader.board(
            current_principal(),
            request.school_id,
            request.branch_id,
            request.lead,
            page_of(request.page_size, request.page_token),
        )
        return pb.PublicBoardReply(
            pledges=[convert.public_pledge(d) for d in documents], next_page_token=token
        )

    # -- queries ---------------------------------------------------------------------------

    async def GetPledge(self, request: pb.GetPledgeRequest, context: ServicerContext) -> pb.Pledge:
        document = self.reader.pledge(current_principal(), request.school_id, request.pledge_id)
        return convert.pledge(document)

    async def ListPledges(
        self, request: pb.ListPledgesRequest, context: ServicerContext
    ) -> pb.ListPledgesReply:
        filters = {
            "member_id": v.optional_identifier(request.member_id, "member_id"),
            "branch_id": v.optional_identifier(request.branch_id, "branch_id"),
            "status": request.status and v.choice(request.status, PledgeStatus, "status"),
            "stage": request.pdca_stage and v.choice(request.pdca_stage, Stage, "pdca_stage"),
            "period": request.period and parse_period(request.period).id,
        }
        documents, token = self.reader.pledges(
            current_principal(),
            request.school_id,
            filters,
            page_of(request.page_size, request.page_token),
        )
        return pb.ListPledgesReply(
            pledges=[convert.pledge(d) for d in documents], next_page_token=token
        )

    async def ListFeedback(
        self, request: pb.ListFeedbackRequest, context: ServicerContext
    ) -> pb.ListFeedbackReply:
        filters = {
            "pledge_id": v.optional_identifier(request.pledge_id, "pledge_id"),
            "branch_id": v.optional_identifier(request.branch_id, "branch_id"),
            "status": request.status and v.choice(request.status, FeedbackStatus, "status"),
        }
        documents, token = self.reader.feedback(
            current_principal(),
            request.school_id,
            filters,
            page_of(request.page_size, request.page_token),
        )
        return pb.ListFeedbackReply(
            feedback=[convert.feedback(d) for d in documents], next_page_token=token
        )
