"""Metadata keys the server and its clients agree on (gRPC keys are lower case)."""

from __future__ import annotations

AUTHORIZATION = "authorization"  # "Bearer <token>"
# Sent by the caller or generated; echoed in a unary call's trailing metadata, a stream's initial.
CORRELATION_ID = "x-correlation-id"
FIELD = "x-field"  # trailing: the request field at fault, also in the rich status details
RETRY_AFTER = "retry-after-ms"  # trailing, with RESOURCE_EXHAUSTED: when to try again
STATUS_DETAILS = "grpc-status-details-bin"  # google.rpc.Status, as grpcio-status writes it
