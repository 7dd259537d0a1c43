"""The web app's composition root: settings, the account store (seeded with the demo
accounts on the demo school), one SDK client for the three services, the pages, and the
two listeners — HTTP (uvicorn) for the pages, gRPC health for the supervisor."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
import uvicorn
from grpc_health.v1 import health_pb2_grpc

from kernel.grpc.health import Health
from kernel.logs import configure_logging
from vanguard_sdk import Endpoints, Vanguard
from web.accounts import AccountStore
from web.app import create_app
from web.cache import PageCache
from web.core import Web
from web.demo_accounts import seed
from web.security import Csrf
from web.settings import WebSettings

log = logging.getLogger("vanguard.web")
DEMO_SCHOOL = "demo"


def build(settings: WebSettings) -> tuple[Web, uvicorn.Server]:
    web_dir = settings.service_dir("web")
    accounts = AccountStore(web_dir / "accounts.db")
    if settings.web_demo_accounts and settings.web_school == DEMO_SCHOOL:
        seed(accounts, web_dir)
    vanguard = Vanguard(
        Endpoints.from_settings(settings), token=None, school_id=settings.web_school
    )
    csrf = Csrf(settings.token_secret.get_secret_value())
    web = Web(settings, vanguard, accounts, csrf, PageCache(settings.web_cache_seconds))
    config = uvicorn.Config(
        create_app(web),
        host=settings.bind_host,
        port=settings.web_port,
        log_config=None,  # the kernel's logging, to the log file
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
    )
    return web, uvicorn.Server(config)


async def run(settings: WebSettings) -> None:
    web, server = build(settings)
    health_server = grpc.aio.server()
    health = await Health.create(["vanguard.web"])
    health_pb2_grpc.add_HealthServicer_to_server(health.servicer, health_server)
    health_server.add_insecure_port(f"{settings.bind_host}:{settings.web_health_port}")
    await health_server.start()
    # uvicorn handles SIGTERM and SIGINT itself: it stops accepting and drains.
    serving = asyncio.get_running_loop().create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if server.started:
        await health.set_serving(True)
        log.info("pages on http://%s:%s", settings.bind_host, settings.web_port)
        log.info("web ready: SERVING")
    try:
        await serving
    finally:
        await health.shutdown()
        await health_server.stop(1)
        with contextlib.suppress(Exception):
            web.accounts.close()
    if not server.started:
        raise SystemExit(
            f"the web app could not listen on {settings.bind_host}:{settings.web_port}"
        )


def main() -> None:
    settings = WebSettings()
    configure_logging(settings.log_level)
    asyncio.run(run(settings))
