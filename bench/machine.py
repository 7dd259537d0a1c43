"""A description of the machine, so a figure is never read without its context."""

from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    python: str
    sqlite: str
    system: str
    date: datetime

    def describe(self) -> str:
        return (
            f"{self.cpu} · {self.cores} cores · {self.memory_gib:.1f} GiB · "
            f"Python {self.python} · SQLite {self.sqlite} · {self.system}"
        )


def this_machine() -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=_memory_kib() / 2**20,
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        system=f"{platform.system()} {platform.release()} ({platform.machine()})",
        date=datetime.now(UTC),
    )


def _proc_field(path: str, field: str) -> str | None:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == field:
            return value.strip()
    return None


def _cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown cpu"


def _memory_kib() -> float:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "24576000 kB"
    return float(total.split()[0]) if total else 0.0
