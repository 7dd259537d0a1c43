"""The one place that wraps a method handler's behaviour, for every kind of RPC.

A wrapper is an async context manager entered around the call: for a unary response around
the await, for a streaming response around the whole stream. Request streaming makes no
difference (the behaviour takes the request iterator in place of the request), so every
method, whatever its kind, passes through the same interceptors.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias, cast

import grpc

# Strings: grpc's classes are generic only in the stubs, not at run time.
Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
Behaviour: TypeAlias = "Callable[[Any, Context], Any]"
Around: TypeAlias = "Callable[[Context], AbstractAsyncContextManager[None]]"

_HANDLER_FACTORIES: dict[tuple[bool, bool], Callable[..., grpc.RpcMethodHandler[Any, Any]]] = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


def wrap_handler(
    handler: grpc.RpcMethodHandler[Any, Any], around: Around
) -> grpc.RpcMethodHandler[Any, Any]:
    kind = (handler.request_streaming, handler.response_streaming)
    inner = _behaviour_of(handler)
    outer = _streaming(inner, around) if handler.response_streaming else _unary(inner, around)
    return _HANDLER_FACTORIES[kind](
        outer,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def _behaviour_of(handler: grpc.RpcMethodHandler[Any, Any]) -> Behaviour:
    behaviour = (
        handler.unary_unary or handler.unary_stream or handler.stream_unary or handler.stream_stream
    )
    assert behaviour is not None, "a method handler always has one behaviour"
    return cast(Behaviour, behaviour)  # the stubs type it for the sync servicer context


def _unary(inner: Behaviour, around: Around) -> Behaviour:
    async def behaviour(request: Any, context: Context) -> Any:
        async with around(context):
            result = inner(request, context)
            return await result if inspect.isawaitable(result) else result

    return behaviour


def _streaming(inner: Behaviour, around: Around) -> Behaviour:
    async def behaviour(request: Any, context: Context) -> AsyncIterator[Any]:
        async with around(context):
            async for response in _responses(inner(request, context)):
                yield response

    return behaviour


async def _responses(result: Any) -> AsyncIterator[Any]:
    """A streaming servicer is an async generator, a coroutine that writes with
    `context.write` (the health Watch does), or a plain iterator."""
    if hasattr(result, "__aiter__"):
        async for response in result:
            yield response
    elif inspect.isawaitable(result):
        await result
    else:
        for response in result:
            yield response
