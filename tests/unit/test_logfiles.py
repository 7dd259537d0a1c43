"""The suite's log files (kernel.logfiles, kernel.up_logging): each held under its cap with a
bounded number of older generations, a running child's file capped in place while the child
goes on appending to it, the supervisor's own file rotated by its handler, and the terminal
kept to the supervisor's summary lines."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kernel.logfiles import LOG_BACKUPS, cap, file_handler, follow, rotate
from kernel.settings import Settings
from kernel.up_logging import configure_logging, echo

CAP = 1000
WAIT_S = 10.0


def generations(path: Path) -> list[str]:
    """The names of a log file and its backups that exist, newest first."""
    return sorted(p.name for p in path.parent.glob(f"{path.name}*"))


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


# -- cap: copy and truncate ----------------------------------------------------------------


def test_a_file_within_its_cap_is_left_alone(tmp_path: Path) -> None:
    log = tmp_path / "scoring.log"
    log.write_text("x" * CAP)
    assert not cap(log, cap_bytes=CAP)
    assert log.read_text() == "x" * CAP
    assert generations(log) == ["scoring.log"]
    assert not cap(tmp_path / "missing.log", cap_bytes=CAP)


def test_a_file_past_its_cap_moves_to_the_first_backup_and_restarts_empty(tmp_path: Path) -> None:
    log = tmp_path / "scoring.log"
    log.write_text("a" * (CAP + 1))
    assert cap(log, cap_bytes=CAP)
    assert log.read_text() == ""
    assert (tmp_path / "scoring.log.1").read_text() == "a" * (CAP + 1)


def test_capping_keeps_a_bounded_number_of_generations(tmp_path: Path) -> None:
    log = tmp_path / "archives.log"
    for generation in range(LOG_BACKUPS + 3):
        with log.open("a") as handle:
            handle.write(f"{generation}\n" * CAP)  # 2 * CAP bytes: past the cap at once
        assert cap(log, cap_bytes=CAP)
    assert generations(log) == ["archives.log", *(f"archives.log.{n}" for n in (1, 2, 3))]
    newest = LOG_BACKUPS + 2
    for n in (1, 2, 3):  # newest first; the older ones are gone
        assert (tmp_path / f"archives.log.{n}").read_text().startswith(f"{newest - n + 1}\n")
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) == LOG_BACKUPS * 2 * CAP


def test_rotating_keeps_the_same_generations(tmp_path: Path) -> None:
    """A start rotates the child's file by renaming it: the previous runs are kept, as many as
    capping keeps."""
    log = tmp_path / "pledges.log"
    for run in range(LOG_BACKUPS + 2):
        log.write_text(f"run {run}\n")
        rotate(log)
    assert generations(log) == [f"pledges.log.{n}" for n in (1, 2, 3)]
    assert [(tmp_path / f"pledges.log.{n}").read_text() for n in (1, 2, 3)] == [
        "run 4\n",
        "run 3\n",
        "run 2\n",
    ]


# A child as kernel.children starts one: its stdout is the log file, opened for appending. It
# writes each line it is sent on stdin.
ECHO_CHILD = (
    "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n"
)


@pytest.fixture
def child_log(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    log = tmp_path / "scoring.log"
    with log.open("ab") as appending:
        child = subprocess.Popen(
            [sys.executable, "-c", ECHO_CHILD],
            stdin=subprocess.PIPE,
            stdout=appending,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield log, child
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=WAIT_S)


def say(child: subprocess.Popen[str], log: Path, line: str) -> None:
    assert child.stdin is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()
    wait_for(lambda: (line + "\n").encode() in log.read_bytes(), f"{line!r} in {log.name}")


def test_a_running_childs_file_is_capped_in_place_and_it_goes_on_writing_there(
    child_log: tuple[Path, subprocess.Popen[str]],
) -> None:
    log, child = child_log
    before = [f"before {n:04d} " + "x" * 50 for n in range(40)]
    for line in before:
        say(child, log, line)
    assert cap(log, cap_bytes=CAP)
    after = [f"after {n:04d}" for n in range(3)]
    for line in after:
        say(child, log, line)
    assert child.poll() is None  # the same child, with the same file descriptor
    # Its appends land at the file's new end: no hole of zero bytes where the old end was.
    assert log.read_text() == "".join(line + "\n" for line in after)
    assert (log.parent / "scoring.log.1").read_text() == "".join(line + "\n" for line in before)


def test_capping_a_running_child_repeatedly_holds_its_files_to_a_bound(
    child_log: tuple[Path, subprocess.Popen[str]],
) -> None:
    log, child = child_log
    for n in range(200):
        say(child, log, f"line {n:04d} " + "y" * 90)
        cap(log, cap_bytes=CAP)
        assert log.stat().st_size <= CAP
    files = list(log.parent.glob("scoring.log*"))
    assert len(files) == LOG_BACKUPS + 1
    assert sum(p.stat().st_size for p in files) <= (LOG_BACKUPS + 1) * (CAP + 100)
    assert "line 0199" in (log.parent / "scoring.log.1").read_text() + log.read_text()


# -- follow: `vanguard logs -f` and `up --verbose` ------------------------------------------


def test_following_reads_on_after_a_cap_and_after_a_rotation(tmp_path: Path) -> None:
    log = tmp_path / "archives.log"
    log.write_text("one\n")
    stop = threading.Event()
    seen: list[str] = []

    def read() -> None:
        seen.extend(follow(log, stop.is_set, poll_s=0.01))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        wait_for(lambda: seen == ["one\n"], "the first line")
        with log.open("a") as handle:
            handle.write("two\n" + "z" * CAP + "\n")
        wait_for(lambda: len(seen) == 3, "the lines before the cap")
        cap(log, cap_bytes=CAP)
        with log.open("a") as handle:
            handle.write("three\n")
        wait_for(lambda: seen[-1:] == ["three\n"], "the line after the cap")
        rotate(log)
        log.write_text("four\n")
        wait_for(lambda: seen[-1:] == ["four\n"], "the line after the rotation")
    finally:
        stop.set()
        reader.join(WAIT_S)
    assert seen == ["one\n", "two\n", "z" * CAP + "\n", "three\n", "four\n"]


# -- the supervisor's own file -------------------------------------------------------------


def test_the_supervisors_handler_keeps_the_previous_run_and_rotates_at_its_cap(
    tmp_path: Path,
) -> None:
    path = tmp_path / "supervisor.log"
    path.write_text("previous run\n")
    handler = file_handler(path, cap_bytes=CAP)
    logger = logging.getLogger("test.logfiles.supervisor")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        assert path.read_text() == ""
        assert (tmp_path / "supervisor.log.1").read_text() == "previous run\n"
        for n in range(200):
            logger.warning("record %04d %s", n, "w" * 60)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert generations(path) == ["supervisor.log", *(f"supervisor.log.{n}" for n in (1, 2, 3))]
    assert all(p.stat().st_size <= CAP for p in tmp_path.iterdir())
    assert "record 0199" in path.read_text()


def test_a_first_run_starts_its_file_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "supervisor.log"
    handler = file_handler(path, cap_bytes=CAP)
    handler.close()
    assert generations(path) == ["supervisor.log"]


# -- where `vanguard up` logs ----------------------------------------------------------------


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure_logging takes over the process's logging: give it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    kafka_level = logging.getLogger("kafka").level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if handler not in handlers:
                handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.getLogger("kafka").setLevel(kafka_level)
        logging.captureWarnings(False)


@pytest.mark.usefixtures("root_logging")
def test_the_supervisors_records_go_to_its_file_not_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = configure_logging(Settings(data_dir=tmp_path))
    assert path == tmp_path / "log" / "supervisor.log"
    logging.getLogger("vanguard.demo").info("loaded the demo school")
    logging.getLogger("kafka.conn").info("connected to 127.0.0.1:9092")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("a library's warning", UserWarning, stacklevel=1)
    written = path.read_text()
    assert "loaded the demo school" in written
    assert "a library's warning" in written
    assert "connected to" not in written  # kafka-python's line per connection is left out
    terminal = capsys.readouterr()
    assert terminal.out == terminal.err == ""


@pytest.mark.usefixtures("root_logging")
def test_verbose_shows_every_record_once_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = configure_logging(Settings(data_dir=tmp_path), verbose=True)
    log = logging.getLogger("vanguard.supervisor")
    log.info("scoring restarted")
    log.info("scoring gRPC on 127.0.0.1:50053", extra={"said": True})  # printed by `say`
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith("supervisor| ") and out[0].endswith("scoring restarted")
    assert "scoring gRPC on" in path.read_text()


def test_verbose_echoes_each_childs_log_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "broker.log").write_text("listening\n")
    (tmp_path / "scoring.log").write_text("\x1b[?25lstarting\x1b[?25h\n")
    stop = threading.Event()
    printed: list[str] = []
    echo(tmp_path, ["broker", "scoring"], stop.is_set, printed.append)
    try:
        wait_for(lambda: len(printed) >= 2, "both logs on the terminal")
    finally:
        stop.set()
    assert sorted(printed) == ["broker    | listening", "scoring   | starting"]
