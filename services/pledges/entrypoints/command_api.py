"""The command methods of PledgeService: each turns its request into a command, calls the
handler as the caller, and answers a CommandReply (after waiting, when asked, until the
pledges read model shows the change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kernel.auth import current_principal
from kernel.grpc.replies import VisibilityWait, command_reply, expected_of
from kernel.store import AppendResult
from pledges import commands as c
from pledges.entrypoints import convert
from pledges.handlers import PledgesHandlers


class CommandMethods:
    handlers: PledgesHandlers
    wait_visible: VisibilityWait

    async def _reply(self, result: AppendResult, request: Any, context: Any) -> Any:
        return await command_reply(result, request.options, context, self.wait_visible)

    async def _run(
        self, handler: Callable[..., AppendResult], cmd: Any, request: Any, context: Any
    ) -> Any:
        """A command on an existing pledge or feedback: with its key and expected version."""
        result = handler(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request, context)

    async def MakePledge(self, request: Any, context: Any) -> Any:
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

    async def ApprovePledge(self, request: Any, context: Any) -> Any:
        cmd = c.ApprovePledge(request.school_id, request.pledge_id, request.note)
        return await self._run(self.handlers.approve_pledge, cmd, request, context)

    async def ReturnPledge(self, request: Any, context: Any) -> Any:
        cmd = c.ReturnPledge(request.school_id, request.pledge_id, request.reason)
        return await self._run(self.handlers.return_pledge, cmd, request, context)

    async def RevisePledge(self, request: Any, context: Any) -> Any:
        cmd = c.RevisePledge(
            request.school_id,
            request.pledge_id,
            request.lead,
            request.title,
            request.description,
            convert.target_specs(request.targets),
        )
        return await self._run(self.handlers.revise_pledge, cmd, request, context)

    async def ResubmitPledge(self, request: Any, context: Any) -> Any:
        cmd = c.ResubmitPledge(request.school_id, request.pledge_id)
        return await self._run(self.handlers.resubmit_pledge, cmd, request, context)

    async def PublishPledge(self, request: Any, context: Any) -> Any:
        cmd = c.PublishPledge(request.school_id, request.pledge_id)
        return await self._run(self.handlers.publish_pledge, cmd, request, context)

    async def WithdrawPledge(self, request: Any, context: Any) -> Any:
        cmd = c.WithdrawPledge(request.school_id, request.pledge_id, request.reason)
        return await self._run(self.handlers.withdraw_pledge, cmd, request, context)

    async def ReportFulfilment(self, request: Any, context: Any) -> Any:
        cmd = c.ReportFulfilment(
            request.school_id,
            request.pledge_id,
            convert.figures(request.progress),
            request.narrative,
            tuple(request.evidence),
        )
        return await self._run(self.handlers.report_fulfilment, cmd, request, context)

    async def VerifyFulfilment(self, request: Any, context: Any) -> Any:
        cmd = c.VerifyFulfilment(
            request.school_id,
            request.pledge_id,
            request.report_id,
            request.verdict,
            convert.figures(request.accepted_progress),
            request.note,
        )
        return await self._run(self.handlers.verify_fulfilment, cmd, request, context)

    async def ClosePledge(self, request: Any, context: Any) -> Any:
        cmd = c.ClosePledge(
            request.school_id,
            request.pledge_id,
            request.outcome,
            request.note,
            request.rectification,
        )
        return await self._run(self.handlers.close_pledge, cmd, request, context)

    async def ReportRectification(self, request: Any, context: Any) -> Any:
        cmd = c.ReportRectification(
            request.school_id, request.pledge_id, request.narrative, tuple(request.evidence)
        )
        return await self._run(self.handlers.report_rectification, cmd, request, context)

    async def CompleteRectification(self, request: Any, context: Any) -> Any:
        cmd = c.CompleteRectification(request.school_id, request.pledge_id, request.note)
        return await self._run(self.handlers.complete_rectification, cmd, request, context)

    async def VerifyFeedback(self, request: Any, context: Any) -> Any:
        cmd = c.VerifyFeedback(request.school_id, request.feedback_id, request.note)
        return await self._run(self.handlers.verify_feedback, cmd, request, context)

    async def DismissFeedback(self, request: Any, context: Any) -> Any:
        cmd = c.DismissFeedback(request.school_id, request.feedback_id, request.reason)
        return await self._run(self.handlers.dismiss_feedback, cmd, request, context)
