"""One service: its store and its gRPC server in this process, its relay and projections in
a worker process beside it (kernel.workers says why).

Every service is started the same way (`ServiceRuntime(...).run()`), so health, readiness,
broker retries, the worker process and graceful shutdown exist once. The server answers at
once (health NOT_SERVING); it turns SERVING when the broker is reachable, the topics exist
and the workers run.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kernel.consumer import ConsumerRunner, Projection
from kernel.database import ReadModelDatabase
from kernel.events import EventRegistry
from kernel.grpc.server import Health, ServiceRegistration, create_server, drain
from kernel.projection import AppliedWatch
from kernel.relay import OutboxRelay
from kernel.settings import Settings
from kernel.store import EventStore
from kernel.store.factory import open_event_store, read_model_database
from kernel.tokens import TokenVerifier
from kernel.topics import DEAD_LETTERS, ensure_topics
from kernel.workers import WorkerProcess
from vanguard.common.v1 import status_pb2

log = logging.getLogger("vanguard.runtime")


@dataclass(frozen=True)
class ProjectionSpec:
    """A read model this service keeps: which topics feed it and how events decode."""

    projection: Projection
    topics: tuple[str, ...]
    registry: EventRegistry


@dataclass
class ServiceRuntime:
    settings: Settings
    name: str
    port: int
    # "module:function" building this runtime from Settings: the worker process builds its
    # own from it, so the relay and projections there are this runtime's.
    factory: str
    publishes_to: str | None = None  # the topic the store's relay publishes to
    projections: Sequence[ProjectionSpec] = ()
    public_methods: frozenset[str] = frozenset()
    store: EventStore | None = None
    relay: OutboxRelay | None = None
    consumers: list[ConsumerRunner] = field(default_factory=list)
    # What a service adds of its own: loops started once ready and cancelled on stop, and
    # resources (clients, read-model connections) closed after the server has drained.
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory: Path = self.settings.service_dir(self.name)
        self._background: list[asyncio.Task[None]] = []
        if self.publishes_to is not None:
            self.store = open_event_store(self.settings, self.name)
        self.workers: WorkerProcess | None = None
        self._visible = [
            AppliedWatch(self.read_model(spec.projection.name)) for spec in self.projections
        ]

    def read_model(self, projection: str) -> ReadModelDatabase:
        """Where this service's projection of that name lives (kernel.store.factory)."""
        return read_model_database(self.settings, self.name, projection)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(
        self, registrations: Callable[[ServiceRuntime], Sequence[ServiceRegistration]]
    ) -> int:
        """Serve at once (NOT_SERVING), become ready in the background; returns the bound port
        (the configured one, or a free one when it is 0)."""
        verifier = TokenVerifier(self.settings.token_secret.get_secret_value())
        address = f"{self.settings.bind_host}:{self.port}"
        self._server, self.bound_port, self._health = await create_server(
            address, registrations(self), verifier=verifier, public_methods=self.public_methods
        )
        await self._server.start()
        log.info(
            "%s listening on %s:%s (NOT_SERVING until ready)",
            self.name,
            self.settings.bind_host,
            self.bound_port,
        )
        self._ready = asyncio.create_task(self._become_ready(self._health))
        return self.bound_port

    async def ready(self) -> None:
        await self._ready

    async def stop(self, grace_s: float = 5.0) -> None:
        """NOT_SERVING, drain in-flight calls, stop the workers, close the store."""
        log.info("%s stopping: draining in-flight calls", self.name)
        if not self._ready.done():
            self._ready.cancel()
        await drain(self._server, self._health, grace_s)
        for task in self._background:
            task.cancel()
        if self.workers is not None:
            await self.workers.stop()
        for watch in self._visible:
            watch.close()
        await asyncio.to_thread(self.close)
        for closer in self.closers:
            outcome = closer()
            if inspect.isawaitable(outcome):
                await outcome

    async def run(
        self, registrations: Callable[[ServiceRuntime], Sequence[ServiceRegistration]]
    ) -> None:
        """The process entrypoint: serve until SIGTERM or SIGINT."""
        await self.start(registrations)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        signalled = asyncio.create_task(stop.wait())
        await asyncio.wait({signalled, self._ready}, return_when=asyncio.FIRST_COMPLETED)
        failed = self._ready.done() and self._ready.exception()
        if not failed:
            await signalled
        await self.stop()
        if failed:
            # A service that cannot start its workers must exit, not idle NOT_SERVING.
            raise RuntimeError(f"{self.name} failed to become ready") from failed

    async def _become_ready(self, health: Health) -> None:
        """Wait for the broker (retrying with a clear log line), then start the background
        workers and report SERVING."""
        while True:
            try:
                await asyncio.to_thread(
                    ensure_topics,
                    self.settings.kafka_servers,
                    self.topics(),
                    partitions=self.settings.partitions,
                    replication_factor=self.settings.replication_factor,
                    timeout_s=5.0,
                )
                break
            except Exception as exc:  # the broker may be down for a long time: keep trying
                log.warning(
                    "%s: broker %s not ready (%s); retrying in 2 s",
                    self.name,
                    self.settings.kafka_servers,
                    exc,
                )
                await asyncio.sleep(2.0)
        if self.store is not None or self.projections:
            self.workers = WorkerProcess(self.name, self.factory, self.settings)
            await self.workers.start()
            listen = getattr(self.store, "add_append_listener", None)
            if listen is not None:  # every backend has it: the relay wakes on an append
                listen(self.workers.wake_relay)
        self._background = [asyncio.create_task(loop()) for loop in self.background]
        health.set_serving(True)
        log.info("%s ready: SERVING", self.name)

    def topics(self) -> tuple[str, ...]:
        """The topics this service writes or reads, and the dead-letter topic its consumers use."""
        own = (self.publishes_to,) if self.publishes_to is not None else ()
        read = (topic for spec in self.projections for topic in spec.topics)
        return tuple(dict.fromkeys((*own, *read, DEAD_LETTERS)))

    def start_workers(self, relay_idle: Callable[[], None] | None = None) -> None:
        """The relay and the consumer runners, in this process: the worker process calls it,
        with what the relay calls when it has caught up (`OutboxRelay.notify_when_idle`)."""
        if self.store is not None and self.publishes_to is not None:
            self.relay = OutboxRelay(
                self.store,
                self.settings.kafka_servers,
                self.publishes_to,
                name=self.name,
                partitions=self.settings.partitions,
                verify_interval_s=self.settings.quirks.relay_verify_interval_s,
                topic_check_interval_s=self.settings.quirks.relay_topic_check_interval_s,
            )
            if relay_idle is not None:
                self.relay.notify_when_idle(relay_idle)
            self.relay.start()
        for spec in self.projections:
            runner = ConsumerRunner(
                self.settings.kafka_servers,
                spec.topics,
                f"vanguard.{self.name}.{spec.projection.name}",
                spec.projection,
                self.read_model(spec.projection.name),
                spec.registry,
                session_timeout_ms=self.settings.consumer_session_timeout_ms,
                fetch_max_wait_ms=self.settings.projection_fetch_max_wait_ms,
            )
            runner.start()
            self.consumers.append(runner)

    def close(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        for runner in self.consumers:
            runner.close()
        if self.store is not None:
            self.store.close()

    async def wait_visible(self, stream_id: str, version: int, timeout_s: float) -> bool:
        """Read-your-writes: wait until every projection of this service applied the stream
        at `version` (False at the deadline, or when the service keeps no projection)."""
        if not self._visible:
            return False
        deadline = asyncio.get_running_loop().time() + timeout_s
        for watch in self._visible:
            remaining = deadline - asyncio.get_running_loop().time()
            if not await watch.wait_until(stream_id, version, max(0.0, remaining)):
                return False
        return True

    # -- status ----------------------------------------------------------------------------

    async def status(self) -> status_pb2.ServiceStatus:
        counters = await self.workers.counters() if self.workers is not None else None
        return status_pb2.ServiceStatus(
            service=self.name,
            version="0.1.0",
            head_position=self.store.head_position() if self.store is not None else 0,
            published_position=counters.published_position if counters else 0,
            projections=[
                status_pb2.ProjectionStatus(
                    name=p.name,
                    applied_events=p.applied,
                    dead_lettered=p.dead_lettered,
                    healthy=p.healthy,
                    partitions=[status_pb2.PartitionProgress(**asdict(t)) for t in p.partitions],
                )
                for p in (counters.projections if counters else ())
            ],
        )
