"""What every servicer's command methods share: the handler called as the caller with the
request's idempotency key (and, for a command on something at a known version, the expected
version), answered with a CommandReply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kernel.auth import Principal, current_principal
from kernel.grpc.replies import ServicerContext, VisibilityWait, command_reply, expected_of
from kernel.store import AppendResult
from vanguard.common.v1 import command_pb2

# A handler of a command on something new, and of one on something at a known version.
Handler = Callable[[Principal, Any, str], AppendResult]
VersionedHandler = Callable[[Principal, Any, str, int | None], AppendResult]


class CommandMethods:
    wait_visible: VisibilityWait

    async def _reply(
        self, result: AppendResult, request: Any, context: ServicerContext
    ) -> command_pb2.CommandReply:
        return await command_reply(result, request.options, context, self.wait_visible)

    async def _command(
        self, handler: Handler, cmd: Any, request: Any, context: ServicerContext
    ) -> command_pb2.CommandReply:
        result = handler(current_principal(), cmd, request.options.idempotency_key)
        return await self._reply(result, request, context)

    async def _command_at(
        self, handler: VersionedHandler, cmd: Any, request: Any, context: ServicerContext
    ) -> command_pb2.CommandReply:
        """A command with the caller's optional expected version of what it acts on."""
        result = handler(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request, context)
