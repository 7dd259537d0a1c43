"""`python -m kernel up` as a terminal runs it: in a process group of its own (a terminal's
foreground job), on free ports, its terminal output collected line by line. With `tty` its
output is a pseudo-terminal, so that what draws on a terminal (the demo's progress bar) does,
and the lines are those a person sees. Whatever a failing test leaves is cleaned up by the
process ids the supervisor printed."""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from types import TracebackType

from broker_matrix import broker_kind

from kernel.broker import free_port, listening
from kernel.logfiles import clean
from kernel.services import registered_services

UP = (sys.executable, "-m", "kernel", "up")
VANGUARD_UP_DEMO = (str(Path(sys.executable).with_name("vanguard")), "up", "--demo")
SERVING_LINE = re.compile(r"^(\w+)\s+gRPC on (\S+) \(health: SERVING, pid (\d+)\)")
ANY_PID = re.compile(r"\bpid (\d+)\)")
TERMINAL_SIZE = (50, 200)  # rows, columns: wide enough that no line of the suite wraps


class UpProcess:
    def __init__(self, data_dir: Path, argv: tuple[str, ...] = UP, tty: bool = False) -> None:
        self.argv = argv
        self.tty = tty
        self.ports = {spec.name: free_port() for spec in registered_services()}
        self.broker_port = free_port()
        self.web_port = free_port()  # the web app's pages (its health port is registered)
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("VANGUARD_")}
        self.env.update(
            {
                f"VANGUARD_{spec.port_setting.upper()}": str(self.ports[spec.name])
                for spec in registered_services()
            }
        )
        self.env.update(
            VANGUARD_BROKER=broker_kind(),  # this run's (tests/broker_matrix.py)
            VANGUARD_BROKER_PORT=str(self.broker_port),
            VANGUARD_WEB_PORT=str(self.web_port),
            VANGUARD_DATA_DIR=str(data_dir),
            VANGUARD_CONSUMER_SESSION_TIMEOUT_MS="2000",
        )
        if tty:  # as a terminal's shell sets them (rich reads COLUMNS before the size)
            self.env.update(TERM="xterm-256color", COLUMNS=str(TERMINAL_SIZE[1]))
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> UpProcess:
        if self.tty:
            return self._start_on_a_terminal()
        self.process = subprocess.Popen(
            list(self.argv),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's job
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _start_on_a_terminal(self) -> UpProcess:
        main, secondary = pty.openpty()
        rows, columns = TERMINAL_SIZE
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        try:
            self.process = subprocess.Popen(
                list(self.argv),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=secondary,
                stderr=secondary,
                text=True,
                start_new_session=True,  # its own process group, as a terminal's job
            )
        finally:
            os.close(secondary)  # the process holds it: reading ends once it has exited
        self._reader = threading.Thread(target=self._read_terminal, args=(main,), daemon=True)
        self._reader.start()
        return self

    def wait(self, timeout_s: float) -> int:
        """The exit code, once the process has exited and all it printed was read."""
        assert self.process is not None
        code = self.process.wait(timeout=timeout_s)
        self._reader.join(timeout=5)
        return code

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _read_terminal(self, main: int) -> None:
        """The terminal's lines as shown: control sequences removed, and each redraw of a line
        (after a carriage return, as a progress bar redraws itself) a line of its own."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        try:
            while True:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # EIO: no process holds the terminal any more
                    chunk = b""
                pending += decoder.decode(chunk, final=not chunk)
                *complete, pending = re.split(r"[\r\n]", pending)
                if not chunk:
                    complete.append(pending)
                shown = [line for line in map(clean, complete) if line]
                with self._changed:
                    self.lines.extend(shown)
                    self._changed.notify_all()
                if not chunk:
                    return
        finally:
            os.close(main)

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout_s: float, after: int = 0) -> str:
        """The first line from index `after` on that matches `pattern` (a regex)."""
        deadline = time.monotonic() + timeout_s
        compiled = re.compile(pattern)
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if compiled.search(line):
                        return line
                remaining = deadline - time.monotonic()
                exited = self.process is not None and self.process.poll() is not None
                if remaining <= 0 or exited:
                    raise AssertionError(
                        f"no line matching {pattern!r} within {timeout_s} s:\n{self.output}"
                    )
                self._changed.wait(min(remaining, 0.5))

    def serving_pids(self) -> dict[str, int]:
        """Each service's latest pid, as its SERVING lines said."""
        pids: dict[str, int] = {}
        for line in list(self.lines):
            if match := SERVING_LINE.match(line):
                pids[match[1]] = int(match[3])
        return pids

    def all_ports(self) -> list[int]:
        return [self.broker_port, self.web_port, *self.ports.values()]

    def listening(self) -> list[int]:
        """The ports of this suite something still listens on."""
        return [port for port in self.all_ports() if listening("127.0.0.1", port)]

    def __enter__(self) -> UpProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Whatever a test left: stop the supervisor, then anything it did not stop."""
        process = self.process
        if process is None:
            return
        pids = {int(pid) for pid in ANY_PID.findall(self.output)}
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid in pids:  # each child leads a process group of its own
            if self._ours(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)

    def _ours(self, pid: int) -> bool:
        """A process of this suite (not another one that got the pid since): it runs with
        this data directory."""
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            return False
        return any(
            f"VANGUARD_DATA_DIR={path}".encode() in environ
            for path in (self.data_dir, self.data_dir.resolve())
        )
