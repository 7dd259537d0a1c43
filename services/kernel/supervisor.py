"""`make run`: the embedded broker and every service as child processes, stopped cleanly.

The supervisor owns its children: Ctrl-C (or SIGTERM) stops the services first, so their relays
and consumers finish, then the broker. A broker that dies is restarted on the same port (it is
memory-only; the relays republish from the stores). A service that dies stops the suite with
its exit code, so a crash is never hidden.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kernel.broker import EmbeddedBroker
from kernel.settings import Settings
from kernel.topics import ensure_topics

log = logging.getLogger("vanguard.supervisor")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str  # run as `python -m <module>`
    port_setting: str


SERVICES = (
    ServiceSpec("archives", "archives", "archives_port"),
    ServiceSpec("pledges", "pledges", "pledges_port"),
    ServiceSpec("scoring", "scoring", "scoring_port"),
)


def service_of_pid1(cmdline: Path = Path("/proc/1/cmdline")) -> str | None:
    """In a container the service is chosen by its command (`python -m <service>`): read it
    from PID 1, so one image's health check knows which port to ask."""
    try:
        argv = cmdline.read_bytes().split(b"\0")
    except OSError:
        return None
    if b"-m" in argv[:-1]:
        module = argv[argv.index(b"-m") + 1].decode()
        return module if any(spec.module == module for spec in SERVICES) else None
    return None


def wait_until_serving(address: str, timeout_s: float) -> bool:
    """Poll gRPC health until the server says SERVING or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    return False


class Supervisor:
    def __init__(self, settings: Settings, services: tuple[ServiceSpec, ...] = SERVICES) -> None:
        self.settings = settings
        self.services = services
        self.broker: EmbeddedBroker | None = None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self._stopping = False

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["VANGUARD_BOOTSTRAP_SERVERS"] = self.settings.kafka_servers
        env["VANGUARD_DATA_DIR"] = str(self.settings.data_dir.resolve())
        return env

    def start(self) -> None:
        if self.settings.embedded_broker:
            self.broker = EmbeddedBroker(self.settings.broker_port).start()
            print(f"broker     Kafka protocol on {self.broker.bootstrap_servers} (embedded Tansu)")
        self._ensure_topics()
        env = self._environment()
        for spec in self.services:
            self.children[spec.name] = subprocess.Popen(
                [sys.executable, "-m", spec.module], env=env, stdin=subprocess.DEVNULL
            )
        for spec in self.services:
            address = f"{self.settings.bind_host}:{getattr(self.settings, spec.port_setting)}"
            if not wait_until_serving(address, timeout_s=60):
                raise RuntimeError(f"{spec.name} did not report SERVING on {address}")
            print(f"{spec.name:<10} gRPC on {address} (health: SERVING)")

    def _ensure_topics(self) -> None:
        ensure_topics(
            self.settings.kafka_servers,
            partitions=self.settings.partitions,
            replication_factor=self.settings.replication_factor,
        )

    def watch(self) -> int:
        """Block until a signal or a child's death; returns the exit code for the suite."""
        while not self._stopping:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    log.error("%s exited with code %s; stopping the suite", name, code)
                    return code or 1
            broker = self.broker.process if self.broker is not None else None
            if self.broker is not None and broker is not None and broker.poll() is not None:
                log.warning("embedded broker died; restarting it (relays will republish)")
                self.broker.start()
                try:
                    self._ensure_topics()
                except RuntimeError as exc:  # a client asked for one first: its owner replaces it
                    log.warning("%s; the service that owns it replaces it", exc)
            time.sleep(0.5)
        return 0

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    @property
    def stopping(self) -> bool:
        """True once Ctrl-C (or SIGTERM) asked the suite to stop."""
        return self._stopping

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for name, child in self.children.items():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log.error("%s did not stop in 15 s; killing it", name)
                child.kill()
                child.wait()
        if self.broker is not None:
            self.broker.stop()
        print("stopped: every child process has exited")


def run(settings: Settings, when_up: Callable[[Supervisor], None] | None = None) -> int:
    """Start the suite, run `when_up` (e.g. load the demo school; it may watch `stopping`),
    then supervise until Ctrl-C."""
    supervisor = Supervisor(settings)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    try:
        supervisor.start()
        print("Vanguard is up. Ctrl-C stops every process.", flush=True)
        if when_up is not None:
            when_up(supervisor)
        return supervisor.watch()
    finally:
        supervisor.stop()
