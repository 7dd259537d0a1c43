"""The suite as processes, the way `vanguard up` runs it: the embedded broker (Tansu, or
Apache Kafka with `broker_kind`) and `python -m archives|pledges|scoring` as children on
127.0.0.1, with the same settings as the containers (suite.Suite) and the same interface
(address, kill, start_again, wait_ready, logs, stop), so a fault round runs against either.
A round here costs seconds, not a minute: this is the level `make soak` runs at.

`kill(name)` is SIGKILL of the service's process group (its gRPC server and its worker
process at once, as a container's death is); `kill("broker")` SIGKILLs the broker, and
`start_again("broker")` starts it again on the same port (Tansu comes back empty) and creates
the topics, as the supervisor does after a broker death.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from suite import PARTITIONS, READY_S, SERVICES, environment_of, wait_ready

from contracts.topics import PUBLISHED
from kernel.broker import EmbeddedBroker, embedded_broker, free_port
from kernel.broker_quirks import BrokerKind
from kernel.topics import DEAD_LETTERS, ensure_topics


@dataclass
class Processes:
    root: Path
    secret: str
    ports: dict[str, int] = field(default_factory=dict)
    broker_kind: BrokerKind = "tansu"  # the soak kills it: a memory-only one comes back empty
    broker: EmbeddedBroker | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # more settings, over the suite's

    def __post_init__(self) -> None:
        for name in ("broker", *SERVICES):
            self.ports.setdefault(name, free_port())

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    @property
    def kafka(self) -> str:
        return self.address("broker")

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            **environment_of(self.kafka, self.ports, self.secret),
            "VANGUARD_DATA_DIR": str(self.root),
            "VANGUARD_BROKER": self.broker_kind,
            **self.env,
        }

    # -- processes ---------------------------------------------------------------------------

    def _start_broker(self) -> None:
        self.broker = self.broker or embedded_broker(self.broker_kind, self.ports["broker"])
        self.broker.start()
        # What the supervisor does; a topic a client asked for first is its owner's to replace.
        with contextlib.suppress(RuntimeError):
            ensure_topics(self.kafka, (*PUBLISHED, DEAD_LETTERS), partitions=PARTITIONS)

    def _start_service(self, name: str) -> None:
        with (self.root / f"{name}.log").open("ab") as out:
            self.children[name] = subprocess.Popen(
                [sys.executable, "-m", name],
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,  # its own process group: killed with its worker
            )

    def start(self) -> Processes:
        self.root.mkdir(parents=True, exist_ok=True)
        self._start_broker()
        for name in SERVICES:
            self._start_service(name)
        for name in SERVICES:
            self.wait_ready(name)
        return self

    def wait_ready(self, name: str, timeout_s: float = READY_S) -> None:
        wait_ready(self, name, timeout_s)

    def kill(self, name: str) -> None:
        if name == "broker":
            assert self.broker is not None
            self.broker.kill()
            return
        child = self.children[name]
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(10)

    def start_again(self, name: str) -> None:
        if name == "broker":
            self._start_broker()
        else:
            self._start_service(name)

    def logs(self, name: str, tail: int = 40) -> str:
        path = self.root / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-tail:])

    def stop(self) -> None:
        """SIGTERM every service (then SIGKILL what is left of its group), then the broker."""
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        for child in self.children.values():
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            with contextlib.suppress(ProcessLookupError):  # a worker left behind, if any
                os.killpg(child.pid, signal.SIGKILL)
        self.children.clear()
        if self.broker is not None:
            self.broker.stop()
