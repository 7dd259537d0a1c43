"""PledgeService commands, one typed method each (see `archive_commands` for the rules)."""

from __future__ import annotations

from typing import Any

from vanguard.common.v1.command_pb2 import CommandReply
from vanguard.pledges.v1 import pledges_pb2 as pb
from vanguard_sdk.base import ServiceClient


class PledgeCommands(ServiceClient):
    _stub: Any

    async def make_pledge(
        self, request: pb.MakePledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.MakePledge, request, timeout)

    async def approve_pledge(
        self, request: pb.ApprovePledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ApprovePledge, request, timeout)

    async def return_pledge(
        self, request: pb.ReturnPledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ReturnPledge, request, timeout)

    async def revise_pledge(
        self, request: pb.RevisePledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.RevisePledge, request, timeout)

    async def resubmit_pledge(
        self, request: pb.ResubmitPledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ResubmitPledge, request, timeout)

    async def publish_pledge(
        self, request: pb.PublishPledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.PublishPledge, request, timeout)

    async def withdraw_pledge(
        self, request: pb.WithdrawPledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.WithdrawPledge, request, timeout)

    async def report_fulfilment(
        self, request: pb.ReportFulfilmentRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ReportFulfilment, request, timeout)

    async def verify_fulfilment(
        self, request: pb.VerifyFulfilmentRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.VerifyFulfilment, request, timeout)

    async def close_pledge(
        self, request: pb.ClosePledgeRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ClosePledge, request, timeout)

    async def report_rectification(
        self, request: pb.ReportRectificationRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ReportRectification, request, timeout)

    async def complete_rectification(
        self, request: pb.CompleteRectificationRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.CompleteRectification, request, timeout)

    async def give_feedback(
        self, request: pb.GiveFeedbackRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.GiveFeedback, request, timeout)

    async def verify_feedback(
        self, request: pb.VerifyFeedbackRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.VerifyFeedback, request, timeout)

    async def dismiss_feedback(
        self, request: pb.DismissFeedbackRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.DismissFeedback, request, timeout)
