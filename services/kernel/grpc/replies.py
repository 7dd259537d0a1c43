"""What every command method answers: a CommandReply, after waiting (within the call's
deadline) until the service's read model shows the change when the caller asked to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

import grpc

from kernel.store import AppendResult
from vanguard.common.v1 import command_pb2

DEFAULT_WAIT_S = 10.0

# Waits until a stream version is visible in the read model; False on timeout.
VisibilityWait = Callable[[str, int, float], Awaitable[bool]]
# What a servicer method is given beside its request (a string: not subscriptable at run time).
ServicerContext: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


def stated(message: Any, name: str) -> Any:
    """A field with presence (proto3 `optional`) as the caller sent it, None when unset: a
    number left out is missing, never a 0 the caller did not say."""
    return getattr(message, name) if message.HasField(name) else None


def expected_of(request: Any) -> int | None:
    """A request's optional `expected_version`, None when the caller sent none."""
    return stated(request, "expected_version")


def reply(result: AppendResult, visible: bool = False) -> command_pb2.CommandReply:
    return command_pb2.CommandReply(
        id=str(result.result.get("id", "")),
        stream_id=result.stream_id,
        stream_version=result.stream_version,
        replayed=result.replayed,
        visible=visible,
    )


async def command_reply(
    result: AppendResult,
    options: command_pb2.CommandOptions,
    context: ServicerContext,
    wait_visible: VisibilityWait,
) -> command_pb2.CommandReply:
    visible = False
    if options.wait_visible and result.stream_version > 0:
        remaining = context.time_remaining()
        timeout = DEFAULT_WAIT_S if remaining is None else max(0.0, remaining - 0.05)
        visible = await wait_visible(result.stream_id, result.stream_version, timeout)
    return reply(result, visible)
