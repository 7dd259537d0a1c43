"""Where `vanguard up` logs: its own records (and the demo loader's, which runs in it) go to
`<data dir>/log/supervisor.log`, never to the terminal, which keeps the supervisor's summary
lines. With `--verbose` the terminal shows every record and every child's log as well."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from kernel.logfiles import clean, file_handler, follow, log_dir
from kernel.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
PREFIX = "{name:<10}| "  # a verbose terminal line: which process logged it


def configure_logging(settings: Settings, verbose: bool = False) -> Path:
    """Every logger of this process to `supervisor.log` (capped, kernel.logfiles); Python's
    warnings too, so that none reaches the terminal. kafka-python's INFO (a line per
    connection) is left out."""
    path = log_dir(settings.data_dir) / "supervisor.log"
    handler = file_handler(path)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if verbose:
        terminal = logging.StreamHandler(sys.stdout)
        terminal.setFormatter(logging.Formatter(PREFIX.format(name="supervisor") + FORMAT))
        terminal.addFilter(lambda record: not getattr(record, "said", False))  # printed already
        root.addHandler(terminal)
    root.setLevel(settings.log_level)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path


def echo(directory: Path, names: Iterable[str], stopped: Callable[[], bool]) -> None:
    """`--verbose`: print each `<name>.log` of `directory` as it grows, until `stopped()`, one
    thread per file."""
    for name in names:
        threading.Thread(
            target=_echo, args=(name, directory / f"{name}.log", stopped), daemon=True
        ).start()


def _echo(name: str, path: Path, stopped: Callable[[], bool]) -> None:
    prefix = PREFIX.format(name=name)
    for line in follow(path, stopped):
        print(prefix + clean(line), flush=True)
