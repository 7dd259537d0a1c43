"""`make run`'s entrypoint as a newcomer sees it: broker and every service come up on
127.0.0.1 and report SERVING; a service that dies comes back; one that cannot start is
reported at once with its log; Ctrl-C, as a terminal sends it to the whole process group,
stops everything within 10 s, without killing anything, and leaves no process behind.

The tests of the running suite share one start (each costs 10-20 s); the Ctrl-C test runs
last in this file and ends it."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.up_process import SERVING_LINE, VANGUARD_UP_DEMO, UpProcess

from kernel.services import registered_services
from kernel.supervisor import wait_until_serving

pytestmark = pytest.mark.timeout(240)

UP_S = 120.0  # broker and three services on a busy 2-core machine
RESTART_S = 60.0  # 1 s backoff, then scoring starts again and replays its inputs
DEMO_S = 180.0  # the demo school, loaded twice in part
STOP_S = 10.0  # Ctrl-C to the last process gone, as the README promises


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    with UpProcess(tmp_path_factory.mktemp("up") / "var") as up:
        up.wait_for_line(r"^Vanguard is up", UP_S)
        yield up


def test_up_starts_everything_with_a_quiet_terminal_and_a_log_per_process(
    suite: UpProcess,
) -> None:
    printed = suite.output
    assert f"127.0.0.1:{suite.broker_port}" in printed
    for spec in registered_services():
        address = f"127.0.0.1:{suite.ports[spec.name]}"
        assert f"{spec.name:<10} gRPC on {address}" in printed
        assert wait_until_serving(address, timeout_s=5)
    assert (suite.data_dir / "archives" / "events.db").exists()
    logs = suite.data_dir / "log"
    for name in ("broker", "supervisor", *(spec.name for spec in registered_services())):
        assert (logs / f"{name}.log").exists(), name
    assert " INFO " not in printed, printed  # the services' logs are in their files
    assert "ready: SERVING" in (logs / "archives.log").read_text()


def test_a_killed_service_is_restarted_on_its_port_and_said_so(suite: UpProcess) -> None:
    before = suite.serving_pids()["scoring"]
    mark = len(suite.lines)
    os.kill(before, signal.SIGKILL)

    said = suite.wait_for_line(r"^scoring exited", 10, after=mark)
    assert said.startswith("scoring exited with code -9; restarting in 1 s"), said
    back = suite.wait_for_line(r"^scoring .*SERVING.* again after a restart", RESTART_S, mark)
    match = SERVING_LINE.match(back)
    assert match is not None and int(match[3]) != before, back
    assert match[2] == f"127.0.0.1:{suite.ports['scoring']}"
    assert wait_until_serving(match[2], timeout_s=5)
    assert suite.process is not None and suite.process.poll() is None
    assert "--- " in (suite.data_dir / "log" / "scoring.log").read_text()  # both starts, one file


def test_ctrl_c_to_the_process_group_stops_everything_in_time(suite: UpProcess) -> None:
    assert suite.process is not None
    pids = suite.serving_pids().values()
    started = time.monotonic()
    os.killpg(suite.process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    assert suite.wait(STOP_S + 5) == 0, suite.output
    took = time.monotonic() - started
    assert took <= STOP_S, f"stopping took {took:.1f} s:\n{suite.output}"
    assert "killing" not in suite.output, suite.output
    assert "stopped: every child process has exited" in suite.output
    assert suite.listening() == [], "something still listens after Ctrl-C"
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived the suite"


def run_with_a_port_taken(up: UpProcess, port: int) -> tuple[int, float, str]:
    """Run `up` while another process listens on `port`: exit code, seconds, output."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with up:
            started = time.monotonic()
            code = up.wait(UP_S)
            return code, time.monotonic() - started, up.output


def test_a_service_that_cannot_start_is_reported_at_once_with_its_log(tmp_path: Path) -> None:
    up = UpProcess(tmp_path / "var")
    code, took, printed = run_with_a_port_taken(up, up.ports["pledges"])
    assert code == 1, printed
    assert took < 30, f"the failure took {took:.1f} s to be reported"  # not a 60 s timeout
    assert "error: pledges exited with code 1 while starting" in printed, printed
    quoted = [line for line in printed.splitlines() if line.startswith("  | ")]
    assert any(f"127.0.0.1:{up.ports['pledges']}" in line for line in quoted), printed
    own = [line for line in printed.splitlines() if not line.startswith("  | ")]
    assert not any("Traceback" in line for line in own), printed  # the supervisor's own
    assert "killing" not in printed
    assert "stopped: every child process has exited" in printed
    assert up.listening() == [], "the other processes were left running"


def test_a_broker_port_already_taken_is_said_in_one_paragraph(tmp_path: Path) -> None:
    up = UpProcess(tmp_path / "var")
    code, took, printed = run_with_a_port_taken(up, up.broker_port)
    assert code == 1, printed
    assert took < 30, f"the failure took {took:.1f} s to be reported"
    assert f"embedded broker cannot listen on 127.0.0.1:{up.broker_port}" in printed, printed
    assert "VANGUARD_BROKER_PORT" in printed
    assert "Traceback" not in printed, printed
    assert "gRPC on" not in printed  # no service was started


def test_the_demo_loads_through_a_restart_of_archives(tmp_path: Path) -> None:
    """Archives dies as the demo starts loading: the SDK's retries do not outlast its
    restart, so `up` waits until it is SERVING again and loads the demo once more."""
    with UpProcess(tmp_path / "var", VANGUARD_UP_DEMO) as up:
        up.wait_for_line(r"^Vanguard is up", UP_S)
        mark = len(up.lines)
        os.kill(up.serving_pids()["archives"], signal.SIGKILL)
        up.wait_for_line(r"^archives .*SERVING.* again after a restart", RESTART_S, mark)
        up.wait_for_line(r"loading the demo again", DEMO_S, mark)
        up.wait_for_line(r"^Loaded the demo school", DEMO_S, mark)
        assert up.process is not None and up.process.poll() is None
        assert "not fully loaded" not in up.output


def test_a_killed_up_takes_every_child_with_it(tmp_path: Path) -> None:
    """SIGKILL of `vanguard up` itself leaves no service or broker running: each child is
    in a session of its own, so only the parent-death signal tells it."""
    with UpProcess(tmp_path / "var") as up:
        up.wait_for_line(r"^Vanguard is up", UP_S)
        pids = up.serving_pids().values()
        assert up.process is not None
        os.kill(up.process.pid, signal.SIGKILL)
        up.wait(5)
        deadline = time.monotonic() + STOP_S
        while (up.listening() or any(Path(f"/proc/{p}").exists() for p in pids)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert up.listening() == [], "a child outlived its killed supervisor"
        for pid in pids:
            assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived the supervisor"
