"""gRPC health of one server: overall ("") and every registered service, flipped together.

A server starts NOT_SERVING and its service turns it SERVING when it is ready (broker
reachable, topics present); shutdown turns it NOT_SERVING for good.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from grpc_health.v1 import health_pb2
from grpc_health.v1._async import HealthServicer

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Health:
    def __init__(self, service_names: Sequence[str]) -> None:
        self.servicer = HealthServicer()
        self.names = ("", *service_names)
        self._serving = False
        self._shut_down = False
        self._lock = asyncio.Lock()  # updates apply in the order they were asked for
        self._updates: set[asyncio.Task[None]] = set()

    @classmethod
    async def create(cls, service_names: Sequence[str]) -> Health:
        health = cls(service_names)
        await health._apply()  # the servicer says SERVING for "" until told otherwise
        return health

    @property
    def serving(self) -> bool:
        return self._serving

    def set_serving(self, serving: bool) -> asyncio.Task[None]:
        """Callable from plain code in the loop; await the task to know it has landed."""
        if not self._shut_down:
            self._serving = serving
        task = asyncio.get_running_loop().create_task(self._apply())
        self._updates.add(task)  # keep a reference until it has run
        task.add_done_callback(self._updates.discard)
        return task

    async def shutdown(self) -> None:
        """NOT_SERVING for good: later `set_serving` calls change nothing."""
        self._serving, self._shut_down = False, True
        async with self._lock:
            await self.servicer.enter_graceful_shutdown()

    async def _apply(self) -> None:
        async with self._lock:
            status = SERVING if self._serving else NOT_SERVING
            for name in self.names:
                await self.servicer.set(name, status)
