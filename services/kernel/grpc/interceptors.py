"""Server interceptors: correlation and call log, domain errors to status, authentication.

Each wraps the method handler (see `wrapping`) so it runs around the call itself, in the
call's own context, for unary and streaming methods alike.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import Any

import grpc

from kernel.auth import Principal, bind_call, current_principal, new_correlation_id
from kernel.errors import DomainError, Unauthenticated
from kernel.grpc.errors import abort_internal, abort_with_domain_error
from kernel.grpc.metadata import AUTHORIZATION, CORRELATION_ID
from kernel.grpc.wrapping import Context, wrap_handler
from kernel.tokens import TokenVerifier

log = logging.getLogger("vanguard.grpc")

# Probes and tooling must work without a token.
ALWAYS_PUBLIC_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
_MAX_CORRELATION_ID = 128


class AroundInterceptor(grpc.aio.ServerInterceptor, ABC):
    """Wraps every handler the server finds in `around`, entered once per call. A method's
    wrapped handler is made once and kept (the server finds the same handler for it every
    time): `around` takes the method's name and reads the call's metadata from its context."""

    def __init__(self) -> None:
        # method -> (the handler found for it, that handler wrapped)
        self._wrapped: dict[str, tuple[Any, grpc.RpcMethodHandler[Any, Any]]] = {}

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED
            return handler
        method = handler_call_details.method
        kept = self._wrapped.get(method)
        if kept is not None and kept[0] is handler:
            return kept[1]
        around = partial(self.around, method, streaming=handler.response_streaming)
        wrapped = wrap_handler(handler, around)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    @abstractmethod
    def around(
        self, method: str, context: Context, *, streaming: bool
    ) -> AbstractAsyncContextManager[None]: ...


class Authenticator:
    """`authorization: Bearer <token>` becomes the call's Principal; public methods admit
    anonymous callers, but a token that is sent must be valid even there."""

    def __init__(self, verifier: TokenVerifier, public_methods: frozenset[str]) -> None:
        self._verifier = verifier
        self._public_methods = public_methods

    def authenticate(self, method: str, metadata: Iterable[tuple[str, Any]] | None) -> Principal:
        header = _first(metadata, AUTHORIZATION)
        if header is not None:
            return self._verifier.verify(_bearer_token(header))
        if self.is_public(method):
            return Principal.anonymous()
        raise Unauthenticated(f"{method} needs a token: send 'authorization: Bearer <token>'")

    def is_public(self, method: str) -> bool:
        return method in self._public_methods or method.startswith(ALWAYS_PUBLIC_SERVICES)


class CallInterceptor(AroundInterceptor):
    """Correlation and call log (outermost: it sees the final code), domain errors to status
    (it sees auth failures too), and authentication (innermost), in one layer: one handler
    wrapped and one context entered per call."""

    def __init__(self, verifier: TokenVerifier, public_methods: frozenset[str]) -> None:
        super().__init__()
        self._auth = Authenticator(verifier, public_methods)

    @asynccontextmanager
    async def around(
        self, method: str, context: Context, *, streaming: bool
    ) -> AsyncIterator[None]:
        metadata = context.invocation_metadata()
        correlation_id = _correlation_id(metadata)
        bind_call(correlation_id=correlation_id)
        # Echoed to the caller: a stream's caller needs it up front; a unary call's gets it
        # with the status (sending initial metadata on its own costs a third of a command).
        echo = ((CORRELATION_ID, correlation_id),)
        if streaming:
            await context.send_initial_metadata(echo)
        else:
            context.set_trailing_metadata(echo)
        started = time.perf_counter()
        code = grpc.StatusCode.UNKNOWN
        try:
            try:  # auth failures and the handler's errors alike become status codes
                bind_call(principal=self._auth.authenticate(method, metadata))
                yield
            except grpc.aio.AbortError:
                raise
            except DomainError as error:
                await abort_with_domain_error(context, error)
            except Exception as error:
                await abort_internal(context, error)
            code = context.code() or grpc.StatusCode.OK
        except grpc.aio.AbortError:
            code = context.code()
            raise
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        finally:
            quiet = method.startswith(ALWAYS_PUBLIC_SERVICES)
            log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %.1f ms correlation_id=%s subject=%s",
                method,
                code.name,
                (time.perf_counter() - started) * 1000,
                correlation_id,
                current_principal().subject,
            )


def server_interceptors(
    verifier: TokenVerifier, public_methods: frozenset[str]
) -> list[grpc.aio.ServerInterceptor]:
    # Correlation, domain errors and auth (outermost first: the log sees the final code, the
    # error table sees auth failures), as one layer.
    return [CallInterceptor(verifier, public_methods)]


def _first(metadata: Iterable[tuple[str, Any]] | None, key: str) -> str | None:
    for name, value in metadata or ():
        if name == key and isinstance(value, str):
            return value
    return None


def _bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization must read 'Bearer <token>'")
    return token.strip()


def _correlation_id(metadata: Iterable[tuple[str, Any]] | None) -> str:
    """The caller's id when it is sane for a log line, else a new one."""
    offered = _first(metadata, CORRELATION_ID)
    if offered and len(offered) <= _MAX_CORRELATION_ID and offered.isprintable():
        return offered
    return new_correlation_id()
