"""One child process of `vanguard up`: its command, its own log file, its own session, and the
backoff between its restarts.

A child runs in a session of its own, so the terminal's Ctrl-C (sent to the whole foreground
process group) reaches only the supervisor, which then stops the children in order. Its
stdout and stderr go to `<data dir>/log/<name>.log`, so the terminal keeps only the
supervisor's summary lines; the supervisor keeps the file under its cap (kernel.logfiles).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kernel.logfiles import LOG_CAP_BYTES, rotate, tail


def parented(argv: Sequence[str]) -> list[str]:
    """`argv` run so that it gets SIGTERM when this process dies, even by SIGKILL
    (kernel/parented.py): no service or broker outlives a killed `vanguard up` (being in
    sessions of their own, nothing else would tell them)."""
    return [sys.executable, "-m", "kernel.parented", str(os.getpid()), *argv]


def write_banner(log: IO[bytes], name: str, argv: Sequence[str]) -> None:
    """The line a (re)start begins with in the child's log: when, and what was started."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    log.write(f"--- {stamp} vanguard up starts {name}: {' '.join(argv)}\n".encode())
    log.flush()


@dataclass
class Backoff:
    """Delays between restarts: `initial` doubling up to `cap`, back to `initial` once the
    child has stayed up `reset_after_s` (a crash an hour later is not a crash loop)."""

    initial_s: float = 1.0
    cap_s: float = 30.0
    reset_after_s: float = 60.0
    _next_s: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._next_s = self.initial_s

    def next_delay(self, up_for_s: float) -> float:
        if up_for_s >= self.reset_after_s:
            self._next_s = self.initial_s
        delay = self._next_s
        self._next_s = min(self.cap_s, self._next_s * 2)
        return delay


class Child:
    """A supervised process: `start()` (again after it died), `poll()`, `terminate()`,
    `kill()` (its whole process group: what it started dies with it)."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.backoff = Backoff()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start (or restart) the child, appending to its log (rotated past the cap)."""
        rotate(self.log_path, LOG_CAP_BYTES)
        with self.log_path.open("ab") as log:
            write_banner(log, self.name, self.argv)
            self.process = subprocess.Popen(
                parented(self.argv),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    def poll(self) -> int | None:
        """The exit code once the child has exited (and was reaped), None while it runs."""
        return self.process.poll() if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the child alone: it stops what it started itself, in its own order."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to the child's whole process group, then reap it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def clean_up_group(self) -> None:
        """After the child died: ask what it left in its group (e.g. a service's worker
        process, which also stops on its own when the service is gone) to stop."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)

    def log_tail(self, lines: int = 20) -> list[str]:
        return tail(self.log_path, lines)
