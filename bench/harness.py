"""What a measurement is, and the rig every measurement runs on.

A measurement is a bounded loop that reports how many operations it did in how many seconds.
Raw ceilings (bare SQLite, kafka-python, grpc.aio) have no ratios; a kernel figure names the
ceilings it is compared with and the share of each it should reach.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from kernel.broker import EmbeddedBroker, embedded_broker
from kernel.broker_quirks import BrokerKind


@dataclass(frozen=True)
class Timing:
    count: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class Ratio:
    """Compare a figure with the ceiling measured under `ceiling` (a measurement's name)."""

    ceiling: str
    target: float | None = None  # the least share of the ceiling the figure should reach
    note: str = ""  # what the comparison means, e.g. "same schema"


@dataclass(frozen=True)
class Measurement:
    name: str  # stable key other measurements' ratios refer to
    title: str  # what a reader of RESULTS.md sees
    unit: str  # what one operation is: "insert", "msg", "call", "append"
    run: Callable[[Rig], Timing]
    ratios: tuple[Ratio, ...] = ()


@dataclass(frozen=True)
class Figure:
    """One measurement's outcome: a timing, or the error that stopped it."""

    measurement: Measurement
    timing: Timing | None
    error: str | None = None


class Rig:
    """What measurements share: a scratch directory, one embedded broker of `broker_kind`
    (Tansu or Apache Kafka) and one PostgreSQL server (each started on first use), and the
    scale that sizes every loop. Close it to stop them."""

    def __init__(self, scale: float = 1.0, broker_kind: BrokerKind = "tansu") -> None:
        self.scale = scale
        self.broker_kind = broker_kind
        self._stack = ExitStack()
        self.workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory("-bench")))
        self._broker: EmbeddedBroker | None = None
        self._postgres: str | None = None
        self._files = 0

    def count(self, full: int) -> int:
        """`full` operations at scale 1; never fewer than 100."""
        return max(100, int(full * self.scale))

    def new_file(self, stem: str) -> Path:
        """A fresh path in the scratch directory: every repeat starts from an empty file."""
        self._files += 1
        return self.workdir / f"{stem}-{self._files}.db"

    def postgres(self) -> str:
        """A PostgreSQL server for the run (deploy/postgres.sh, a cluster under
        var/postgres-bench, stopped at close), or the one VANGUARD_TEST_POSTGRES_URL names."""
        if self._postgres is None:
            root = Path(__file__).resolve().parents[1]
            script = str(root / "deploy" / "postgres.sh")
            # Under var/, not the scratch directory: the server's user must reach it.
            env = {**os.environ, "VANGUARD_POSTGRES_DIR": str(root / "var" / "postgres-bench")}
            started = subprocess.run(
                [script], env=env, capture_output=True, text=True, check=True, timeout=600
            )
            self._stack.callback(
                subprocess.run, [script, "stop"], env=env, capture_output=True, check=False
            )
            self._postgres = started.stdout.strip().splitlines()[-1]
        return self._postgres

    def new_schema(self, stem: str) -> str:
        """A fresh schema name: every repeat starts from empty tables (the cluster under
        var/ outlives the run)."""
        return f"{stem}_{uuid.uuid4().hex[:12]}"

    def broker(self) -> EmbeddedBroker:
        if self._broker is None:
            self._broker = self._stack.enter_context(embedded_broker(self.broker_kind))
        return self._broker

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Rig:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def timed(count: int, loop: Callable[[], object]) -> Timing:
    """Time one call of `loop`, which performs `count` operations."""
    started = time.perf_counter()
    loop()
    return Timing(count, time.perf_counter() - started)


def best_of(repeats: int, attempt: Callable[[], Timing]) -> Timing:
    """The fastest of several attempts: noise only ever slows a loop down."""
    return max((attempt() for _ in range(repeats)), key=lambda timing: timing.rate)
