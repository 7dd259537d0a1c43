"""The one table from domain errors to gRPC status codes (docs/design.md#errors-on-the-wire),
and how a call
aborts with one: a `google.rpc.Status` with a `BadRequest` field violation when a field is at
fault, plus the field in trailing metadata for clients that do not unpack details."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import NoReturn

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from kernel.auth import current_correlation_id
from kernel.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    DomainError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from kernel.grpc.metadata import FIELD, RETRY_AFTER
from kernel.grpc.wrapping import Context

log = logging.getLogger("vanguard.grpc")

STATUS_CODES: Mapping[type[DomainError], grpc.StatusCode] = MappingProxyType(
    {
        InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
        NotFound: grpc.StatusCode.NOT_FOUND,
        PreconditionFailed: grpc.StatusCode.FAILED_PRECONDITION,
        AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
        ConcurrencyConflict: grpc.StatusCode.ABORTED,
        Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
        PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
        Unavailable: grpc.StatusCode.UNAVAILABLE,
        RateLimited: grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)


def status_code_of(error: DomainError) -> grpc.StatusCode:
    """Nearest entry up the class hierarchy, so a service may subclass a domain error."""
    for kind in type(error).__mro__:
        if kind in STATUS_CODES:
            return STATUS_CODES[kind]
    return grpc.StatusCode.INTERNAL  # a bare DomainError: the raiser forgot to pick a kind


def rich_status(error: DomainError) -> status_pb2.Status:
    status = status_pb2.Status(code=status_code_of(error).value[0], message=str(error))
    if error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.message
        )
        status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    return status


def header_safe(text: str) -> str:
    """`text` as a metadata value may carry it (printable ASCII): a field named after a key
    of the caller's JSON may hold anything."""
    return "".join(c if " " <= c <= "~" else f"\\u{ord(c):04x}" for c in text)


async def abort_with_domain_error(context: Context, error: DomainError) -> NoReturn:
    status = rpc_status.to_status(rich_status(error))
    extra: tuple[tuple[str, str], ...] = ((FIELD, header_safe(error.field)),) if error.field else ()
    if isinstance(error, RateLimited):
        extra += ((RETRY_AFTER, str(int(error.retry_after_s * 1000) + 1)),)
    # abort_with_status(status) cannot take extra metadata; this is what it does, plus ours
    # (and what the call had set already: given trailing metadata replaces it).
    trailing = (*context.trailing_metadata(), *status.trailing_metadata, *extra)
    await context.abort(status.code, status.details, trailing)


async def abort_internal(context: Context, error: Exception) -> NoReturn:
    correlation_id = current_correlation_id()
    log.error("unexpected error (correlation id %s)", correlation_id, exc_info=error)
    # The caller learns only what to quote to an operator, never the internals.
    await context.abort(
        grpc.StatusCode.INTERNAL, f"internal error (correlation id {correlation_id})"
    )
