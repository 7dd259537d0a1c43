"""The one place that wraps a method handler's behaviour, for every kind of RPC.

A wrapper is an async context manager entered around the call: for a unary response around
the await, for a streaming response around the whole stream. Request streaming makes no
difference (the behaviour takes the request iterator in place of the request), so every
method, whatever its kind, passes through the same interceptors.

Decoding the request is wrapped too: bytes that are no message of the method's request type
reach the behaviour as `UNDECODABLE`, and the call ends in INVALID_ARGUMENT inside the
wrapper (after authentication, like any bad input), never in grpc's UNKNOWN that names the
parser's exception class.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias, cast

import grpc

from kernel.errors import InvalidArgument

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


class _Undecodable:
    """Stands in for a request whose bytes could not be decoded."""


UNDECODABLE: Any = _Undecodable()


def _undecodable() -> InvalidArgument:
    return InvalidArgument("the request could not be decoded as this method's request message")


def wrap_handler(
    handler: grpc.RpcMethodHandler[Any, Any], around: Around
) -> grpc.RpcMethodHandler[Any, Any]:
    kind = (handler.request_streaming, handler.response_streaming)
    inner = _behaviour_of(handler)
    outer = _streaming(inner, around) if handler.response_streaming else _unary(inner, around)
    return _HANDLER_FACTORIES[kind](
        outer,
        request_deserializer=_decoding(handler.request_deserializer),
        response_serializer=handler.response_serializer,
    )


def _decoding(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:  # the behaviour takes raw bytes: nothing to decode
        return None

    def decode(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:  # whatever the parser raises, the caller sent bad bytes
            return UNDECODABLE

    return decode


def _decoded(request: Any) -> Any:
    """The request, refused when undecodable; a request stream is checked message by
    message as the behaviour reads it."""
    if request is UNDECODABLE:
        raise _undecodable()
    if hasattr(request, "__aiter__"):
        return _decoded_stream(request)
    return request


async def _decoded_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        if request is UNDECODABLE:
            raise _undecodable()
        yield request


def _behaviour_of(handler: grpc.RpcMethodHandler[Any, Any]) -> Behaviour:
    behaviour = (
        handler.unary_unary or handler.unary_stream or handler.stream_unary or handler.stream_stream
    )
    assert behaviour is not None, "a method handler always has one behaviour"
    return cast(Behaviour, behaviour)  # the stubs type it for the sync servicer context


def _unary(inner: Behaviour, around: Around) -> Behaviour:
    async def behaviour(request: Any, context: Context) -> Any:
        async with around(context):
            result = inner(_decoded(request), context)
            return await result if inspect.isawaitable(result) else result

    return behaviour


def _streaming(inner: Behaviour, around: Around) -> Behaviour:
    async def behaviour(request: Any, context: Context) -> AsyncIterator[Any]:
        async with around(context):
            async for response in _responses(inner(_decoded(request), context)):
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
