"""Where `vanguard up` logs: its own records (and the demo loader's, which runs in it) go to
`<data dir>/log/supervisor.log`, never to the terminal, which keeps the supervisor's summary
lines. With `--verbose` the terminal shows every record and every child's log as well.

Every line for the terminal goes through one `Terminal` (a function writing one line), never
`print()`: the demo's progress bar runs in the same process, and a progress bar that swapped
`sys.stdout` while another thread printed crashed CPython 3.11 (`print()` holds a borrowed
reference to `sys.stdout`, python/cpython#130163). The command line passes its console, which
prints a line above a running progress bar; `python -m kernel up` writes to its stdout."""

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

Terminal = Callable[[str], None]  # writes one line for the person at the terminal


def stdout_lines() -> Terminal:
    """A Terminal writing to this process's stdout, one whole line at a time from any thread.
    The stream is held from now on, not looked up as `sys.stdout` for each line."""
    stream = sys.stdout
    lock = threading.Lock()

    def write(line: str) -> None:
        with lock:
            stream.write(line + "\n")
            stream.flush()

    return write


class TerminalHandler(logging.Handler):
    """`--verbose`: the supervisor's own records on the terminal, as its other lines are."""

    def __init__(self, terminal: Terminal) -> None:
        super().__init__()
        self.terminal = terminal

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.terminal(self.format(record))
        except Exception:
            self.handleError(record)


def configure_logging(
    settings: Settings, verbose: bool = False, terminal: Terminal | None = None
) -> Path:
    """Every logger of this process to `supervisor.log` (capped, kernel.logfiles); Python's
    warnings too, so that none reaches the terminal. kafka-python's INFO (a line per
    connection) is left out. `verbose` also writes each record to `terminal`."""
    path = log_dir(settings.data_dir) / "supervisor.log"
    handler = file_handler(path)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if verbose:
        shown = TerminalHandler(terminal or stdout_lines())
        shown.setFormatter(logging.Formatter(PREFIX.format(name="supervisor") + FORMAT))
        shown.addFilter(lambda record: not getattr(record, "said", False))  # printed already
        root.addHandler(shown)
    root.setLevel(settings.log_level)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path


def echo(
    directory: Path, names: Iterable[str], stopped: Callable[[], bool], terminal: Terminal
) -> None:
    """`--verbose`: write each `<name>.log` of `directory` to `terminal` as it grows, until
    `stopped()`, one thread per file."""
    for name in names:
        threading.Thread(
            target=_echo, args=(name, directory / f"{name}.log", stopped, terminal), daemon=True
        ).start()


def _echo(name: str, path: Path, stopped: Callable[[], bool], terminal: Terminal) -> None:
    prefix = PREFIX.format(name=name)
    for line in follow(path, stopped):
        try:
            terminal(prefix + clean(line))
        except OSError:  # the terminal is gone (SIGHUP): the file has it
            return
