"""A client given several replicas' addresses balances its calls over the healthy ones
(kernel.grpc.client.target): real servers on loopback ports, real gRPC health."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from kernel.grpc.client import channel

WHICH = "/test.Replica/Which"  # answers with the replica's name


@dataclass
class Replica:
    name: str
    server: grpc.aio.Server
    health: HealthServicer
    port: int

    async def serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse
        await self.health.set("", status.SERVING if serving else status.NOT_SERVING)


async def start_replica(name: str) -> Replica:
    server = grpc.aio.server()

    async def which(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return name.encode()

    handler = grpc.method_handlers_generic_handler(
        "test.Replica", {"Which": grpc.unary_unary_rpc_method_handler(which)}
    )
    server.add_generic_rpc_handlers((handler,))
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return Replica(name, server, health, port)


@pytest.fixture
async def replicas() -> AsyncIterator[list[Replica]]:
    started = [await start_replica("first"), await start_replica("second")]
    yield started
    for replica in started:
        await replica.server.stop(None)


async def answers(address: str, calls: int) -> Counter[str]:
    async with channel(address) as balanced:
        which = balanced.unary_unary(WHICH)
        await balanced.channel_ready()
        seen: Counter[str] = Counter()
        for _ in range(calls):
            seen[(await which(b"", timeout=5, wait_for_ready=True)).decode()] += 1
        return seen


async def test_calls_are_spread_over_every_healthy_replica(replicas: list[Replica]) -> None:
    address = ",".join(f"127.0.0.1:{r.port}" for r in replicas)
    seen = await answers(address, 20)
    assert seen["first"] >= 5 and seen["second"] >= 5, seen


async def test_a_replica_not_serving_is_left_out(replicas: list[Replica]) -> None:
    address = ",".join(f"127.0.0.1:{r.port}" for r in replicas)
    await replicas[0].serving(False)
    await asyncio.sleep(0.2)
    assert await answers(address, 20) == Counter({"second": 20})


async def test_a_stopped_replica_is_left_out(replicas: list[Replica]) -> None:
    address = ",".join(f"127.0.0.1:{r.port}" for r in replicas)
    await replicas[1].server.stop(None)
    assert await answers(address, 20) == Counter({"first": 20})


async def test_one_address_is_a_plain_channel(replicas: list[Replica]) -> None:
    assert await answers(f"127.0.0.1:{replicas[0].port}", 3) == Counter({"first": 3})
