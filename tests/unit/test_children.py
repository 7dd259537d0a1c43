"""The supervisor's bookkeeping of one child: the wait between restarts, and its log file
(rotated at a start, its tail quoted when a start fails)."""

from __future__ import annotations

from pathlib import Path

from kernel.children import Backoff, rotate, tail


def test_restarts_in_a_row_wait_longer_up_to_a_cap() -> None:
    backoff = Backoff(initial_s=1, cap_s=30, reset_after_s=60)
    assert [backoff.next_delay(up_for_s=2) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_child_that_stayed_up_a_while_restarts_at_once_again() -> None:
    backoff = Backoff(initial_s=1, cap_s=30, reset_after_s=60)
    for _ in range(4):
        backoff.next_delay(up_for_s=2)
    assert backoff.next_delay(up_for_s=61) == 1
    assert backoff.next_delay(up_for_s=2) == 2


def test_a_start_keeps_one_previous_log(tmp_path: Path) -> None:
    log = tmp_path / "scoring.log"
    log.write_text("first run\n")
    rotate(log)
    log.write_text("second run\n")
    rotate(log)
    assert not log.exists()
    assert (tmp_path / "scoring.log.1").read_text() == "second run\n"


def test_a_restart_rotates_only_a_log_past_its_cap(tmp_path: Path) -> None:
    log = tmp_path / "archives.log"
    log.write_text("x" * 10)
    rotate(log, cap_bytes=100)
    assert log.read_text() == "x" * 10
    rotate(log, cap_bytes=5)
    assert not log.exists()


def test_the_tail_is_the_last_lines_without_blank_lines_or_terminal_codes(tmp_path: Path) -> None:
    log = tmp_path / "scoring.log"
    log.write_text("".join(f"line {n}\n" for n in range(30)) + "\x1b[?25h\n\x1b[?25lbye\x1b[?25h\n")
    assert tail(log, lines=3) == ["line 28", "line 29", "bye"]
    assert tail(tmp_path / "missing.log") == []
