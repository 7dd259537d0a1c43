"""How scoring sets up faust, shared with the benchmark's bare faust agent so the two are
measured alike. faust asks the broker to wait up to 1.5 s per fetch; Tansu holds a fetch for
the whole wait, so the consumer is built with the kernel's short `fetch_max_wait_ms` instead."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

from kernel.settings import Settings


def short_fetches(fetch_max_wait_ms: int) -> None:
    class ShortFetchConsumer(aiokafka.AIOKafkaConsumer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["fetch_max_wait_ms"] = fetch_max_wait_ms
            super().__init__(*args, **kwargs)

        async def stop(self) -> None:
            await stop_consumer(self)

    shim = types.SimpleNamespace(**vars(aiokafka))
    shim.AIOKafkaConsumer = ShortFetchConsumer
    faust_aiokafka.aiokafka = shim


def app_options(settings: Settings) -> dict[str, Any]:
    """faust.App keyword arguments: broker, in-memory store, no web server, raw bytes,
    explicit topics (Tansu would auto-create a missing one with 4 partitions)."""
    return {
        "broker": f"kafka://{settings.kafka_servers.split(',')[0]}",
        "store": "memory://",
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
        "topic_allow_declare": False,
        "web_enabled": False,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "broker_session_timeout": settings.consumer_session_timeout_ms / 1000,
        "broker_heartbeat_interval": max(0.1, settings.consumer_session_timeout_ms / 10000),
        "broker_commit_interval": 0.5,
        "consumer_auto_offset_reset": "earliest",
        "producer_linger": 0.002,
        "stream_buffer_maxsize": 4096,
    }


async def stop_consumer(consumer: aiokafka.AIOKafkaConsumer) -> None:
    """Stop an aiokafka consumer even when the broker is gone. Its fetcher's close awaits the
    fetch tasks it cancels; one sleeping out a failed fetch's backoff re-raises the
    cancellation, stop() ends half-way and faust's consumer thread dies without reporting its
    shutdown, so the worker waited for it forever (aio-libs/aiokafka#647). A cancellation of
    this task itself still propagates."""
    try:
        await aiokafka.AIOKafkaConsumer.stop(consumer)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        await consumer._client.close()
