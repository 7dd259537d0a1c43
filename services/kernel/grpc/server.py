"""`create_server`: the grpc.aio server every service runs, with interceptors, health and
reflection; and the graceful stop that lets in-flight calls finish."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from kernel.grpc.health import Health
from kernel.grpc.interceptors import server_interceptors
from kernel.tokens import TokenVerifier

__all__ = ["Health", "ServiceRegistration", "create_server", "drain", "serve_until_signalled"]

log = logging.getLogger("vanguard.grpc")


@dataclass(frozen=True)
class ServiceRegistration:
    name: str  # full service name, e.g. "vanguard.<package>.v1.<Name>Service"
    add_to_server: Callable[[Any, grpc.aio.Server], None]  # the generated add_*_to_server
    servicer: object


async def create_server(
    address: str,
    services: Sequence[ServiceRegistration],
    *,
    verifier: TokenVerifier,
    public_methods: frozenset[str] = frozenset(),
) -> tuple[grpc.aio.Server, int, Health]:
    """A server bound to `address` (port 0 picks one), not yet started, health NOT_SERVING.
    `public_methods` are full names ("/pkg.Service/Method") callable without a token."""
    _check_public_methods(public_methods, services)
    server = grpc.aio.server(interceptors=server_interceptors(verifier, public_methods))
    for service in services:
        service.add_to_server(service.servicer, server)
    names = [service.name for service in services]
    service_health = await Health.create(names)
    health_pb2_grpc.add_HealthServicer_to_server(service_health.servicer, server)
    reflection.enable_server_reflection(
        [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    port = server.add_insecure_port(address)
    return server, port, service_health


def _check_public_methods(
    public_methods: frozenset[str], services: Sequence[ServiceRegistration]
) -> None:
    """A misspelt public method would silently demand a token: refuse to start instead."""
    names = {service.name for service in services}
    unknown = sorted(method for method in public_methods if not _is_served(method, names))
    if unknown:
        raise ValueError(f"public methods that no registered service has: {', '.join(unknown)}")


def _is_served(method: str, service_names: set[str]) -> bool:
    service, _, name = method.removeprefix("/").partition("/")
    if not method.startswith("/") or service not in service_names:
        return False
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service)
    except KeyError:
        return True  # a generic handler without a descriptor: the service name must do
    return name in descriptor.methods_by_name


async def drain(server: grpc.aio.Server, health: Health, grace_s: float) -> None:
    """Report NOT_SERVING, refuse new calls and give in-flight ones `grace_s` to finish."""
    await health.shutdown()
    await server.stop(grace_s)


async def serve_until_signalled(
    server: grpc.aio.Server,
    health: Health,
    grace_s: float,
    signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Serve a started server until SIGTERM or SIGINT, then drain it."""
    loop = asyncio.get_running_loop()
    received = asyncio.Event()
    for signum in signals:
        loop.add_signal_handler(signum, received.set)
    try:
        await received.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
    log.info("signalled: draining in-flight calls for up to %.1f s", grace_s)
    await drain(server, health, grace_s)
