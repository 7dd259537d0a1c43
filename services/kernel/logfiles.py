"""The suite's log files: one per process in `<data dir>/log`, each kept under a size cap,
read back whole, by its tail, or followed as it grows (`vanguard logs -f`, `up --verbose`).

A child's stdout and stderr are the file itself (opened for appending, kernel.children), so
what it writes lands there even while the supervisor is busy or gone, and no pipe can fill up
and stall a service. Such a file cannot be renamed while the child writes to it (the child
would go on writing to the renamed file), so the supervisor keeps it under its cap by copy and
truncate (`cap`): the content moves to `<name>.log.1`, the file restarts empty, and the
child's appends go on at its new end. A file nobody holds is rotated by renaming (`rotate`).
"""

from __future__ import annotations

import contextlib
import logging.handlers
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

LOG_CAP_BYTES = 10 * 1024 * 1024  # a file past this moves to `<name>.log.1`
LOG_BACKUPS = 3  # `<name>.log.1` (newest) to `<name>.log.3`; older ones are dropped
# Terminal control sequences and characters some libraries write even to a file (faust's
# spinner: a backspace, then "show the cursor"); a tab stays.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]")


def log_dir(data_dir: Path) -> Path:
    """Where the suite's log files live: `<data dir>/log`."""
    path = data_dir / "log"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_file(data_dir: Path, name: str) -> Path:
    """A process's log file, `<data dir>/log/<name>.log` (the directory is not made)."""
    return data_dir / "log" / f"{name}.log"


def _backup(path: Path, generation: int) -> Path:
    return path.with_name(f"{path.name}.{generation}")


def _shift_backups(path: Path, backups: int) -> None:
    """Make room for a new `<name>.1`: each backup moves one generation up, the oldest goes."""
    for generation in range(backups - 1, 0, -1):
        with contextlib.suppress(FileNotFoundError):
            _backup(path, generation).replace(_backup(path, generation + 1))


def rotate(path: Path, cap_bytes: int = 0, backups: int = LOG_BACKUPS) -> None:
    """Move a file nobody writes to `<name>.1` when it is bigger than `cap_bytes`; 0 rotates
    any non-empty file, as at a fresh start."""
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > cap_bytes:
            _shift_backups(path, backups)
            path.replace(_backup(path, 1))


def cap(path: Path, cap_bytes: int = LOG_CAP_BYTES, backups: int = LOG_BACKUPS) -> bool:
    """Keep a file a running child appends to under `cap_bytes`: copy it to `<name>.1` and
    truncate it (what the child writes between the two is lost: a few lines per `cap_bytes`).
    True when it did."""
    try:
        if path.stat().st_size <= cap_bytes:
            return False
    except FileNotFoundError:
        return False
    _shift_backups(path, backups)
    shutil.copyfile(path, _backup(path, 1))
    os.truncate(path, 0)
    return True


def file_handler(path: Path, cap_bytes: int = LOG_CAP_BYTES) -> logging.Handler:
    """A logging handler for a process that writes its own file (the supervisor): rotated at
    its cap by the handler, and at a start when the previous run left something."""
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=cap_bytes, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    if path.stat().st_size > 0:
        handler.doRollover()
    return handler


def clean(line: str) -> str:
    """A log line as a terminal should show it: no control sequences or characters, no line
    end."""
    return _CONTROL.sub("", line).rstrip()


def tail(path: Path, lines: int = 20) -> list[str]:
    """The last `lines` non-blank lines of a log file, without terminal control sequences
    (none when it is missing)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            cleaned = (clean(line) for line in handle)
            return list(deque((line for line in cleaned if line), maxlen=lines))
    except FileNotFoundError:
        return []


def follow(
    path: Path, stopped: Callable[[], bool], from_start: bool = True, poll_s: float = 0.2
) -> Iterator[str]:
    """The lines of a log file as they are written, until `stopped()`; it may not exist yet.
    A file truncated by `cap` is read again from its start, one replaced by `rotate` is
    reopened and read whole."""
    handle: BinaryIO | None = None
    try:
        while not stopped():
            if handle is None:
                handle = _open(path, from_start)
                from_start = True  # a file that appears later is new: read it whole
                if handle is None:
                    time.sleep(poll_s)
                    continue
            line = handle.readline()
            if line.endswith(b"\n"):
                yield line.decode("utf-8", "replace")
                continue
            if line:  # a line still being written: read it again once it is complete
                handle.seek(-len(line), os.SEEK_CUR)
            if _replaced(path, handle):
                handle.close()
                handle = None
            elif os.fstat(handle.fileno()).st_size < handle.tell():  # `cap` truncated it
                handle.seek(0)
            else:
                time.sleep(poll_s)
    finally:
        if handle is not None:
            handle.close()


def _open(path: Path, from_start: bool) -> BinaryIO | None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    if not from_start:
        handle.seek(0, os.SEEK_END)
    return handle


def _replaced(path: Path, handle: BinaryIO) -> bool:
    try:
        return path.stat().st_ino != os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return True
