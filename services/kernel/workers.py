"""A service's background workers — its outbox relay and its consumer runners — in a process of
their own beside the gRPC server.

kafka-python is pure Python: its network, sender and fetch threads hold the GIL for most of
their work, and in the server's process they starve its event loop (commands ran at a third
of their rate). The worker process rebuilds the service's runtime from the same factory and
settings and runs only the workers; the server keeps the store (appends) and the read models
(queries). They share nothing but files (SQLite WAL takes readers and a writer from several
processes) and three signals: the server wakes the relay after an append, asks for counters,
and says stop. A worker process whose server dies stops too (its pipe closes), and a server
whose worker process dies starts another.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from kernel.consumer import PartitionProgress
from kernel.logs import configure_logging
from kernel.settings import Settings

if TYPE_CHECKING:
    from kernel.runtime import ServiceRuntime

log = logging.getLogger("vanguard.workers")

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
CONTROL_POLL_S = 0.2
RESTART_BACKOFF_S = 1.0


@dataclass(frozen=True)
class ProjectionCounters:
    name: str
    applied: int
    dead_lettered: int
    healthy: bool
    partitions: tuple[PartitionProgress, ...]


@dataclass(frozen=True)
class WorkerCounters:
    published_position: int
    projections: tuple[ProjectionCounters, ...]


def build_runtime(factory: str, settings: Settings) -> ServiceRuntime:
    """Call `module:function` with the settings: how both processes build the same runtime."""
    module, _, function = factory.partition(":")
    built: ServiceRuntime = getattr(importlib.import_module(module), function)(settings)
    return built


def counters_of(runtime: ServiceRuntime) -> WorkerCounters:
    return WorkerCounters(
        published_position=runtime.relay.published_position if runtime.relay else 0,
        projections=tuple(
            ProjectionCounters(r.projection.name, r.applied, r.dead_lettered, r.healthy, r.progress)
            for r in runtime.consumers
        ),
    )


# -- the worker process ----------------------------------------------------------------------


def worker_main(
    factory: str, settings: Settings, control: Connection, appended: Connection, pending: Any
) -> None:
    """The worker process: start the workers, answer the server, stop when told to, when
    terminated, or when the server is gone."""
    configure_logging(settings.log_level)
    logging.getLogger("kafka").setLevel(logging.WARNING)  # its INFO is every connection
    # Ctrl-C reaches the whole process group: the server stops us once it has drained.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    runtime = build_runtime(factory, settings)
    try:
        runtime.start_workers(relay_idle=partial(setattr, pending, "value", 0))
        if runtime.relay is not None:
            relay = runtime.relay
            threading.Thread(
                target=_forward_wakeups, args=(appended, relay.wake), daemon=True
            ).start()
        control.send("ready")
        while not stopping.is_set():
            if not control.poll(CONTROL_POLL_S):
                continue
            message = control.recv()
            if message == "counters":
                control.send(counters_of(runtime))
            elif message == "stop":
                break
    except (EOFError, OSError):
        log.warning("%s workers: the server is gone; stopping", runtime.name)
    finally:
        runtime.close()


def _forward_wakeups(appended: Connection, wake: Callable[[], None]) -> None:
    """The server's appends wake the relay here: a byte on a pipe while no wake-up is
    pending. The relay clears `pending` when it has caught up, and reads the store once more
    after that: an append the server committed while it was set is published either way.
    While the relay is busy, appends cost the server no write and this thread no wake-up.
    Ends when the server is gone."""
    while os.read(appended.fileno(), 4096):
        wake()


# -- the server's side -----------------------------------------------------------------------


class WorkerProcess:
    """Starts, supervises and stops the worker process of one service runtime."""

    def __init__(self, name: str, factory: str, settings: Settings) -> None:
        self.name = name
        self.factory = factory
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        # A pipe, not a multiprocessing.Event: a worker killed inside Event.wait() would keep
        # its lock, and the server's next set() would block forever.
        self._appended: Connection | None = None
        self._appended_lock = threading.Lock()
        # Set by the server when it writes a wake-up, cleared by the relay when it has caught
        # up: appends while the relay is busy cost no write at all.
        self._pending = self._context.RawValue("b", 0)
        self._process: Any = None
        self._control: Connection | None = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The worker process's id, None while none runs."""
        return self._process.pid if self._process is not None else None

    def wake_relay(self) -> None:
        """Cheap, never blocks, safe from any thread: called after every append."""
        if self._pending.value:
            return
        with self._appended_lock:
            if self._appended is None:
                return
            self._pending.value = 1
            # Full: a wake-up is pending anyway. Broken: the worker is gone, the next reads all.
            with contextlib.suppress(BlockingIOError, BrokenPipeError):
                os.write(self._appended.fileno(), b"w")

    async def start(self) -> None:
        await asyncio.to_thread(self._spawn)
        self._watchdog = asyncio.create_task(self._watch())

    async def counters(self) -> WorkerCounters | None:
        """The workers' counters, None while no worker process answers."""
        async with self._lock:
            control = self._control
            if control is None:
                return None
            try:
                return await asyncio.to_thread(_ask, control, "counters")
            except (EOFError, OSError, TimeoutError):
                return None

    async def stop(self) -> None:
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        async with self._lock:
            await asyncio.to_thread(self._stop_process)

    def _spawn(self) -> None:
        parent, child = self._context.Pipe()
        wake_reader, wake_writer = self._context.Pipe(duplex=False)
        os.set_blocking(wake_writer.fileno(), False)
        process = self._context.Process(
            target=worker_main,
            args=(self.factory, self.settings, child, wake_reader, self._pending),
            name=f"{self.name}-workers",
            daemon=True,  # never outlive the server, whatever happens to it
        )
        process.start()
        child.close()
        wake_reader.close()
        if not parent.poll(READY_TIMEOUT_S) or parent.recv() != "ready":
            process.kill()
            wake_writer.close()
            raise RuntimeError(f"{self.name}: the worker process did not start")
        self._process, self._control = process, parent
        with self._appended_lock:
            self._appended = wake_writer
            self._pending.value = 0  # a wake-up the dead worker never read
        self.wake_relay()  # publish whatever was appended while no relay ran
        log.info("%s: workers running in process %s", self.name, process.pid)

    def _stop_process(self) -> None:
        process, control = self._process, self._control
        self._process = self._control = None
        with self._appended_lock:
            if self._appended is not None:
                self._appended.close()
                self._appended = None
        if process is None or control is None:
            return
        with contextlib.suppress(OSError):  # it is gone already
            control.send("stop")
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            log.warning("%s: worker process did not stop in time; killing it", self.name)
            process.kill()
            process.join()
        control.close()

    async def _watch(self) -> None:
        """Start another worker process when this one dies (nothing is lost: the relay
        resumes from its checkpoint and the projections from what they committed)."""
        while not self._stopping:
            await asyncio.sleep(RESTART_BACKOFF_S)
            process = self._process
            if self._stopping or (process is not None and process.is_alive()):
                continue
            if process is not None:
                log.error(
                    "%s: worker process %s exited (%s); starting another",
                    self.name,
                    process.pid,
                    process.exitcode,
                )
            async with self._lock:
                await asyncio.to_thread(self._stop_process)
                try:
                    await asyncio.to_thread(self._spawn)
                except Exception:
                    log.exception("%s: cannot start the worker process; retrying", self.name)


def _ask(control: Connection, message: str) -> Any:
    control.send(message)
    if not control.poll(5.0):
        raise TimeoutError(message)
    return control.recv()
