"""The gRPC server runs inside the faust worker's event loop: started by a task, SERVING once
the replay of the input topics (scoring.stream.replay) has reached their end."""

from __future__ import annotations

import asyncio
import logging

from kernel.grpc.server import Health, ServiceRegistration, create_server
from kernel.tokens import TokenVerifier
from scoring.stream.app import app, settings

log = logging.getLogger("vanguard.scoring")
state: dict[str, Health] = {}


def registrations() -> list[ServiceRegistration]:
    from scoring.bootstrap import registrations as scoring_registrations

    return list(scoring_registrations())


@app.task
async def serve_grpc() -> None:
    verifier = TokenVerifier(settings.token_secret.get_secret_value())
    address = f"{settings.bind_host}:{settings.scoring_port}"
    server, port, health = await create_server(address, registrations(), verifier=verifier)
    await server.start()
    state["health"] = health
    log.info(
        "scoring gRPC on %s:%s (NOT_SERVING until the inputs are replayed)",
        settings.bind_host,
        port,
    )
    from scoring.stream.agents import replayed

    await replayed.wait()
    await health.set_serving(True)
    log.info("scoring ready: SERVING")
    try:
        await asyncio.Event().wait()  # until the worker stops and cancels its tasks
    finally:
        await health.shutdown()
        await server.stop(1.0)
