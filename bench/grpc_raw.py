"""Ceiling: grpc.aio unary round trips on loopback. A trivial generic handler (bytes in, the
same bytes back) serves from a child process, as a service would; the client keeps 50 calls
in flight."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

import grpc

from bench.harness import Measurement, Rig, Timing

SERVICE = "vanguard.bench.Echo"
METHOD = f"/{SERVICE}/Ping"
CALLS = 20_000
WARMUP_CALLS = 500
CONCURRENCY = 50
PAYLOAD = b"vanguard" * 8
CALL_TIMEOUT_S = 10.0
STARTUP_S = 15.0


async def _echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def _serve(port_to: Connection) -> None:
    server = grpc.aio.server()
    ping = grpc.unary_unary_rpc_method_handler(_echo)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {"Ping": ping}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    port_to.send(port)
    await server.wait_for_termination()


def serve(port_to: Connection) -> None:
    """The child process: serve until terminated."""
    asyncio.run(_serve(port_to))


@contextmanager
def echo_server() -> Iterator[int]:
    """The port of an echo server in a child process, which is stopped on exit."""
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    process = spawn.Process(target=serve, args=(send,), name="bench-echo", daemon=True)
    process.start()
    try:
        if not receive.poll(STARTUP_S):
            raise TimeoutError(f"the echo server did not start within {STARTUP_S}s")
        yield int(receive.recv())
    finally:
        process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()


async def _calls(ping: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes], count: int) -> None:
    """`count` calls, CONCURRENCY at a time, each one checked."""

    async def worker(calls: int) -> None:
        for _ in range(calls):
            if await ping(PAYLOAD, timeout=CALL_TIMEOUT_S) != PAYLOAD:
                raise RuntimeError("the echo server answered something else")

    shares = [count // CONCURRENCY + (n < count % CONCURRENCY) for n in range(CONCURRENCY)]
    await asyncio.gather(*(worker(share) for share in shares))


async def _round_trips(port: int, count: int) -> Timing:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        ping: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
            METHOD,
            request_serializer=None,
            response_deserializer=None,  # bytes as they are
        )
        await _calls(ping, WARMUP_CALLS)  # connect, warm both sides
        started = time.perf_counter()
        await _calls(ping, count)
        return Timing(count, time.perf_counter() - started)


def round_trips(rig: Rig) -> Timing:
    with echo_server() as port:
        return asyncio.run(_round_trips(port, rig.count(CALLS)))


MEASUREMENTS = [
    Measurement("grpc.unary", "grpc.aio unary round trips (50 in flight)", "call", round_trips),
]
