"""The command methods of PledgeService: each turns its request into a command, calls the
handler as the caller, and answers a CommandReply (after waiting, when asked, until the
pledges read model shows the change)."""

from __future__ import annotations

from kernel.auth import current_principal
from kernel.grpc.commands import CommandMethods
from kernel.grpc.replies import ServicerContext
from pledges import commands as c
from pledges.entrypoints import convert
from pledges.handlers import PledgesHandlers
from vanguard.common.v1 import command_pb2
from vanguard.pledges.v1 import pledges_pb2 as pb

Reply = command_pb2.CommandReply


class PledgeCommands(CommandMethods):
    handlers: PledgesHandlers

    async def MakePledge(self, request: pb.MakePledgeRequest, context: ServicerContext) -> Reply:
        cmd = c.MakePledge(
            request.school_id,
            request.member_id,
            request.period,
            request.lead,
            request.title,
            request.description,
            convert.target_specs(request.targets),
        )
        result = await self.handlers.make_pledge(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request, context)

    async def ApprovePledge(
        self, request: pb.ApprovePledgeRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ApprovePledge(request.school_id, request.pledge_id, request.note)
        return await self._command_at(self.handlers.approve_pledge, cmd, request, context)

    async def ReturnPledge(
        self, request: pb.ReturnPledgeRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ReturnPledge(request.school_id, request.pledge_id, request.reason)
        return await self._command_at(self.handlers.return_pledge, cmd, request, context)

    async def RevisePledge(
        self, request: pb.RevisePledgeRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.RevisePledge(
            request.school_id,
            request.pledge_id,
            request.lead,
            request.title,
            request.description,
            convert.target_specs(request.targets),
        )
        return await self._command_at(self.handlers.revise_pledge, cmd, request, context)

    async def ResubmitPledge(
        self, request: pb.ResubmitPledgeRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ResubmitPledge(request.school_id, request.pledge_id)
        return await self._command_at(self.handlers.resubmit_pledge, cmd, request, context)

    async def PublishPledge(
        self, request: pb.PublishPledgeRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.PublishPledge(request.school_id, request.pledge_id)
        return await self._command_at(self.handlers.publish_pledge, cmd, request, context)

    async def WithdrawPledge(
        self, request: pb.WithdrawPledgeRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.WithdrawPledge(request.school_id, request.pledge_id, request.reason)
        return await self._command_at(self.handlers.withdraw_pledge, cmd, request, context)

    async def ReportFulfilment(
        self, request: pb.ReportFulfilmentRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ReportFulfilment(
            request.school_id,
            request.pledge_id,
            convert.figures(request.progress),
            request.narrative,
            tuple(request.evidence),
        )
        return await self._command_at(self.handlers.report_fulfilment, cmd, request, context)

    async def VerifyFulfilment(
        self, request: pb.VerifyFulfilmentRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.VerifyFulfilment(
            request.school_id,
            request.pledge_id,
            request.report_id,
            request.verdict,
            convert.figures(request.accepted_progress),
            request.note,
        )
        return await self._command_at(self.handlers.verify_fulfilment, cmd, request, context)

    async def ClosePledge(self, request: pb.ClosePledgeRequest, context: ServicerContext) -> Reply:
        cmd = c.ClosePledge(
            request.school_id,
            request.pledge_id,
            request.outcome,
            request.note,
            request.rectification,
        )
        return await self._command_at(self.handlers.close_pledge, cmd, request, context)

    async def ReportRectification(
        self, request: pb.ReportRectificationRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ReportRectification(
            request.school_id, request.pledge_id, request.narrative, tuple(request.evidence)
        )
        return await self._command_at(self.handlers.report_rectification, cmd, request, context)

    async def CompleteRectification(
        self, request: pb.CompleteRectificationRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.CompleteRectification(request.school_id, request.pledge_id, request.note)
        return await self._command_at(self.handlers.complete_rectification, cmd, request, context)

    async def VerifyFeedback(
        self, request: pb.VerifyFeedbackRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.VerifyFeedback(request.school_id, request.feedback_id, request.note)
        return await self._command_at(self.handlers.verify_feedback, cmd, request, context)

    async def DismissFeedback(
        self, request: pb.DismissFeedbackRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.DismissFeedback(request.school_id, request.feedback_id, request.reason)
        return await self._command_at(self.handlers.dismiss_feedback, cmd, request, context)
