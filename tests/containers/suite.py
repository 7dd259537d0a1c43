"""The containerised suite: the Tansu broker and the three services, each in its own container
on the host network (no bridge), bound to 127.0.0.1 on free ports, every service's data
directory a bind mount under a host folder so that a container started again keeps it.

Testcontainers creates the containers (Ryuk disabled: the suite removes what it started);
killing and starting one again goes through the Docker API of the same container.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")  # read when a container starts

from testcontainers.core.container import DockerContainer

from kernel.broker import free_port, wait_for_port
from kernel.supervisor import wait_until_serving

SERVICE_IMAGE = "vanguard/service:latest"
BROKER_IMAGE = "vanguard/broker:latest"
SERVICES = ("archives", "pledges", "scoring")
DATA_IN_CONTAINER = "/var/lib/vanguard/data"
READY_S = 120.0  # a generous bound: scoring replays its inputs on every start
PARTITIONS = 3


def environment_of(kafka: str, ports: dict[str, int], secret: str) -> dict[str, str]:
    """Every service's settings in the fault suite (containers or processes alike)."""
    return {
        "VANGUARD_BIND_HOST": "127.0.0.1",
        "VANGUARD_BOOTSTRAP_SERVERS": kafka,
        "VANGUARD_PARTITIONS": str(PARTITIONS),
        "VANGUARD_ARCHIVES_PORT": str(ports["archives"]),
        "VANGUARD_PLEDGES_PORT": str(ports["pledges"]),
        "VANGUARD_SCORING_PORT": str(ports["scoring"]),
        "VANGUARD_TOKEN_SECRET": secret,
        "VANGUARD_CONSUMER_SESSION_TIMEOUT_MS": "3000",
        "VANGUARD_SCORING_PLEDGES_GRACE_S": "1.0",
        # One test client gives every piece of public feedback: no rate limit in the way.
        "VANGUARD_PLEDGES_FEEDBACK_BURST": "10000",
        "VANGUARD_PLEDGES_FEEDBACK_PER_MINUTE": "10000",
        "VANGUARD_LOG_LEVEL": "WARNING",
    }


class Parts(Protocol):
    """What a fault round needs of a running suite, in containers or as processes."""

    ports: dict[str, int]

    def address(self, name: str) -> str: ...
    def logs(self, name: str, tail: int = 40) -> str: ...


def wait_ready(parts: Parts, name: str, timeout_s: float = READY_S) -> None:
    """The broker listening, or a service SERVING; else an error quoting its log."""
    if name == "broker":
        wait_for_port("127.0.0.1", parts.ports["broker"], timeout_s)
    elif not wait_until_serving(parts.address(name), timeout_s):
        raise AssertionError(f"{name} not SERVING in {timeout_s}s:\n{parts.logs(name)}")


@dataclass
class Suite:
    """Broker + services. `start()` creates fresh containers on the same ports and volumes;
    `kill(name)` is SIGKILL; `start_again(name)` restarts that same container."""

    root: Path
    secret: str
    ports: dict[str, int] = field(default_factory=dict)
    containers: dict[str, DockerContainer] = field(default_factory=dict)
    extra: dict[str, DockerContainer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("broker", *SERVICES):
            self.ports.setdefault(name, free_port())

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    @property
    def kafka(self) -> str:
        return self.address("broker")

    def environment(self, **overrides: str) -> dict[str, str]:
        return {**environment_of(self.kafka, self.ports, self.secret), **overrides}

    # -- containers --------------------------------------------------------------------------

    def _broker(self) -> DockerContainer:
        url = f"tcp://{self.kafka}"
        return (
            DockerContainer(BROKER_IMAGE)
            .with_envs(LISTENER_URL=url, ADVERTISED_LISTENER_URL=url)
            .with_kwargs(network_mode="host")
        )

    def service(self, module: str, volume: str, **overrides: str) -> DockerContainer:
        """A service container; its data folder `volume` under the suite's root."""
        data = self.root / volume
        data.mkdir(parents=True, exist_ok=True)
        data.chmod(0o777)  # the image runs as uid 10001, not as the owner of the host folder
        return (
            DockerContainer(SERVICE_IMAGE)
            .with_command(["python", "-m", module])
            .with_envs(**self.environment(**overrides))
            .with_volume_mapping(str(data), f"{DATA_IN_CONTAINER}/{module}", "rw")
            .with_kwargs(network_mode="host")
        )

    def start(self) -> Suite:
        self.containers["broker"] = self._broker().start()
        wait_for_port("127.0.0.1", self.ports["broker"], 30)
        for name in SERVICES:
            self.containers[name] = self.service(name, name).start()
        for name in SERVICES:
            self.wait_ready(name)
        return self

    def wait_ready(self, name: str, timeout_s: float = READY_S) -> None:
        wait_ready(self, name, timeout_s)

    def kill(self, name: str) -> None:
        self.containers[name].get_wrapped_container().kill(signal="SIGKILL")

    def start_again(self, name: str) -> None:
        self.containers[name].get_wrapped_container().start()

    def docker_health(self, name: str) -> str:
        container = self.containers[name].get_wrapped_container()
        container.reload()
        return str(container.attrs["State"].get("Health", {}).get("Status", "none"))

    def wait_docker_healthy(self, name: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while (status := self.docker_health(name)) != "healthy":
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}'s HEALTHCHECK says {status} after {timeout_s}s")
            time.sleep(1.0)

    def logs(self, name: str, tail: int = 40) -> str:
        container = self.containers.get(name) or self.extra.get(name)
        if container is None:
            return ""
        text = container.get_wrapped_container().logs(tail=tail)
        return bytes(text).decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM every container (services first, then the broker), then remove them."""
        for container in [*self.extra.values(), *reversed(self.containers.values())]:
            try:
                container.get_wrapped_container().stop(timeout=20)
            finally:
                container.stop()
        self.extra.clear()
        self.containers.clear()
