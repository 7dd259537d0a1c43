"""`GetStatus`, shared by every service's API: how far its store, relay and projections are."""

from __future__ import annotations

from typing import Any, Protocol

from kernel.auth import current_principal, require_role
from kernel.envelope import Role
from vanguard.common.v1 import status_pb2


class StatusSource(Protocol):
    async def status(self) -> status_pb2.ServiceStatus: ...


class StatusMixin:
    """Mix into a generated servicer; operators (committee or service tokens) may call it."""

    runtime: StatusSource

    async def GetStatus(
        self, request: status_pb2.GetStatusRequest, context: Any
    ) -> status_pb2.ServiceStatus:
        require_role(current_principal(), Role.COMMITTEE, Role.SERVICE)
        return await self.runtime.status()
