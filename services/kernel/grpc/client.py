"""What a caller of a Vanguard server needs: a channel, the auth metadata, the field at fault."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

import grpc
from google.rpc import error_details_pb2, status_pb2

from kernel.grpc.metadata import AUTHORIZATION, CORRELATION_ID, FIELD, STATUS_DETAILS

Metadata = tuple[tuple[str, str], ...]
# For one service calling another: calls fail fast while the other is down, and reconnect
# attempts stay frequent, so the first calls after it is back are not refused for a long
# backoff (gRPC's default: up to 120 s).
SERVICE_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


# Several replicas behind one channel: calls go round-robin to those whose gRPC health
# (the overall service "") says SERVING; one that stops answering or turns NOT_SERVING is
# left out until it is back.
BALANCED = json.dumps(
    {"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": ""}}
)


def target(address: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """The channel target and options for `host:port`, or for a list of replicas
    (`127.0.0.1:50051,127.0.0.1:50061`: IP addresses, balanced as above)."""
    addresses = [part.strip() for part in address.split(",") if part.strip()]
    if len(addresses) <= 1:
        return address.strip(), ()
    return "ipv4:" + ",".join(addresses), (("grpc.service_config", BALANCED),)


def channel(address: str, options: Sequence[tuple[str, Any]] = ()) -> grpc.aio.Channel:
    """A channel to one server, or balanced over replicas (`target`)."""
    name, balancing = target(address)
    return grpc.aio.insecure_channel(name, options=(*options, *balancing))


def bearer(token: str, *, correlation_id: str | None = None) -> Metadata:
    """Call metadata that authenticates (and, when given, correlates) a call."""
    metadata: Metadata = ((AUTHORIZATION, f"Bearer {token}"),)
    if correlation_id is not None:
        metadata += ((CORRELATION_ID, correlation_id),)
    return metadata


def field_of(error: grpc.RpcError) -> str | None:
    """The request field a failed call blames: `x-field`, else the BadRequest details."""
    trailers = _trailing_metadata(error)
    for key, value in trailers:
        if key == FIELD:
            return str(value)
    for key, value in trailers:
        if key == STATUS_DETAILS:
            return _field_in_details(status_pb2.Status.FromString(value))
    return None


def correlation_id_of(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    """The correlation id the server echoed: in a unary call's trailing metadata, in a
    stream's initial metadata."""
    for key, value in metadata or ():
        if key == CORRELATION_ID:
            return str(value)
    return None


def _trailing_metadata(error: grpc.RpcError) -> list[tuple[str, Any]]:
    if isinstance(error, grpc.aio.AioRpcError | grpc.Call):
        # Pairs at run time; the stubs name a _Metadatum class instead.
        return cast(list[tuple[str, Any]], list(error.trailing_metadata() or ()))
    return []


def _field_in_details(status: status_pb2.Status) -> str | None:
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            for violation in bad_request.field_violations:
                return violation.field
    return None
