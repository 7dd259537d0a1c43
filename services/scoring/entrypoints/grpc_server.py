"""The gRPC server runs inside the faust worker's event loop: started by a task, SERVING once
the replay of the input topics (scoring.adapters.faust_app) has reached their end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import faust

from contracts.endpoints import SuiteSettings
from kernel.grpc.server import ServiceRegistration, create_server
from kernel.tokens import TokenVerifier

log = logging.getLogger("vanguard.scoring")


def register(
    app: faust.App,
    settings: SuiteSettings,
    registrations: Callable[[], Sequence[ServiceRegistration]],
    replayed: asyncio.Event,
) -> None:
    @app.task
    async def serve_grpc() -> None:
        verifier = TokenVerifier(settings.token_secret.get_secret_value())
        address = f"{settings.bind_host}:{settings.scoring_port}"
        server, port, health = await create_server(
            address, list(registrations()), verifier=verifier
        )
        await server.start()
        log.info(
            "scoring gRPC on %s:%s (NOT_SERVING until the inputs are replayed)",
            settings.bind_host,
            port,
        )
        await replayed.wait()
        await health.set_serving(True)
        log.info("scoring ready: SERVING")
        try:
            await asyncio.Event().wait()  # until the worker stops and cancels its tasks
        finally:
            await health.shutdown()
            await server.stop(1.0)
