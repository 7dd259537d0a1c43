"""One exception for every failed call: the gRPC status, the field at fault, the message."""

from __future__ import annotations

import grpc

from kernel.grpc.client import field_of


class VanguardError(Exception):
    """A call the server (or the connection) refused. `field` names the request field at
    fault when the server blamed one (the `x-field` trailer or BadRequest details)."""

    def __init__(self, code: grpc.StatusCode, message: str, field: str | None = None) -> None:
        self.code = code
        self.message = message
        self.field = field
        super().__init__(self.one_line())

    @classmethod
    def of(cls, error: grpc.RpcError) -> VanguardError:
        code = error.code() if isinstance(error, grpc.aio.AioRpcError | grpc.Call) else None
        details = error.details() if isinstance(error, grpc.aio.AioRpcError | grpc.Call) else ""
        return cls(code or grpc.StatusCode.UNKNOWN, details or "", field_of(error))

    def one_line(self) -> str:
        """`INVALID_ARGUMENT (field as_of): must be an RFC 3339 time` — for a terminal."""
        where = f" (field {self.field})" if self.field else ""
        message = self.message
        if self.field and message.startswith(f"{self.field}: "):
            message = message[len(self.field) + 2 :]  # the server prefixes the field already
        return f"{self.code.name}{where}: {message}"
