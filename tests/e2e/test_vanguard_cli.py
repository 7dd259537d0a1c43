"""`make run` as a newcomer meets it, and the `vanguard` CLI against it: `vanguard up --demo`
starts the broker and every service on free ports, loads the demo school through the APIs and
prints three commands to try; each CLI command then shows what the demo loaded (tables and
`--json`), refuses bad arguments with a one-line message and an exit code, and a second
`vanguard demo` changes nothing. Ctrl-C at the end leaves no process listening.

What the demo loaded is read from its plan (`vanguard_cli.demo`), never restated here."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from broker_matrix import broker_kind

from kernel.broker import free_port
from kernel.services import registered_services
from vanguard_cli.demo.calendar import Calendar, months_before
from vanguard_cli.demo.people import BRANCHES, TEACHERS
from vanguard_cli.demo.plan import count, plan
from vanguard_cli.demo.texts import POSTS

pytestmark = pytest.mark.timeout(420)

VANGUARD = str(Path(sys.executable).with_name("vanguard"))
UP_S = 240.0  # broker, three services and the demo on a busy 2-core machine
VISIBLE_S = 60.0  # read models and scoring catch up asynchronously


@dataclass
class Suite:
    process: subprocess.Popen[str]
    env: dict[str, str]
    output: list[str]
    ports: list[int]
    calendar: Calendar

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VANGUARD, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def json(self, *args: str) -> Any:
        done = self.cli(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def until(self, read: Callable[[], Any], holds: Callable[[Any], bool]) -> Any:
        """Read until the answer holds: the read models are eventually consistent."""
        deadline = time.monotonic() + VISIBLE_S
        while True:
            answer = read()
            if holds(answer):
                return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"not so within {VISIBLE_S}s: {answer!r}"[:2000])
            time.sleep(0.5)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    ports = {spec.port_setting: free_port() for spec in registered_services()}
    broker_port = free_port()
    web_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VANGUARD_")}
    env.update({f"VANGUARD_{name.upper()}": str(port) for name, port in ports.items()})
    env.update(
        VANGUARD_BROKER=broker_kind(),  # this run's (tests/broker_matrix.py)
        VANGUARD_BROKER_PORT=str(broker_port),
        VANGUARD_WEB_PORT=str(web_port),
        VANGUARD_DATA_DIR=str(tmp_path_factory.mktemp("cli") / "var"),
        VANGUARD_CONSUMER_SESSION_TIMEOUT_MS="2000",
        VANGUARD_SCORING_PLEDGES_GRACE_S="1.0",
        VANGUARD_LOG_LEVEL="WARNING",
        VANGUARD_DEMO="1",
        COLUMNS="200",  # wide enough that no table cell wraps
    )
    process = subprocess.Popen(
        [VANGUARD, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    suite = Suite(process, env, output, [broker_port, *ports.values()], Calendar.of(date.today()))
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + UP_S
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "vanguard evaluation" in line:  # the last of the three commands to try
                break
        threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True).start()
        assert "vanguard evaluation" in "".join(output), "".join(output)[-3000:]
        yield suite
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, "".join(output)[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for port in suite.ports:
        assert not listening(port), f"something still listens on {port} after Ctrl-C"


def demo_requests(method: str) -> list[Any]:
    """Every request of one kind the demo plan sends (its ids and texts)."""
    calendar = Calendar.of(date.today())
    return [
        step.build({"pledge": "p", "feedback": "f"})
        for phase in plan(calendar)
        for chain in phase
        for step in chain
        if step.method == method
    ]


# -- make run ------------------------------------------------------------------------------


def test_up_loads_the_demo_and_prints_three_commands_to_try(suite: Suite) -> None:
    printed = "".join(suite.output)
    assert "Vanguard is up" in printed
    loaded = re.search(r"(\d+) commands written, (\d+) already there", printed)
    assert loaded, printed[-2000:]
    # a retry on UNAVAILABLE may find its first attempt applied: then it counts as there
    assert int(loaded[1]) + int(loaded[2]) == count(plan(suite.calendar)) and int(loaded[1])
    tries = [line for line in printed.splitlines() if line.strip().startswith(".venv/bin/vanguard")]
    assert len(tries) == 3, tries


# -- read commands -------------------------------------------------------------------------


def test_archive_shows_the_member_records_post_pledge_and_evaluations(suite: Suite) -> None:
    teacher = next(t for t in TEACHERS if t.head_teacher)
    records = [r for r in demo_requests("record_performance") if r.member_id == teacher.member_id]
    closed = [m.id for m in suite.calendar.closed]
    archive = suite.until(
        lambda: suite.json("archive", teacher.member_id),
        lambda a: {e["period"] for e in a["evaluations"] if e["published"]} >= set(closed),
    )
    assert archive["member"]["name"] == teacher.name
    assert {r["record_id"] for r in archive["records"]} == {r.record_id for r in records}
    assert [p["name"] for p in archive["posts"]] == [POSTS[0][1]]
    assert len(archive["pledges"]) == 1

    table = suite.cli("archive", teacher.member_id).stdout
    for text in (teacher.name, POSTS[0][1], *(r.description for r in records), *closed):
        assert text in table, (text, table)


def test_archive_as_of_a_time_shows_the_archive_as_it_stood(suite: Suite) -> None:
    now = suite.json("archive", "m01")
    first = next(r for r in now["records"] if r["record_id"] == "m01-r1")
    assert first["status"] == "verified"
    recorded_at = first["trail"][0]["recorded_at"]  # filed, not yet verified
    then = suite.json("archive", "m01", "--as-of", recorded_at)
    assert then["events"] < now["events"]
    assert [r["status"] for r in then["records"] if r["record_id"] == "m01-r1"] == ["pending"]
    table = suite.cli("archive", "m01", "--as-of", recorded_at).stdout
    assert f"as of {then['as_of']}" in table


def test_pledges_list_every_member_pledge_through_pdca(suite: Suite) -> None:
    pledges = suite.until(
        lambda: suite.json("pledges"),
        lambda found: len(found) == len(TEACHERS) and any(p["pdca_stage"] == "act" for p in found),
    )
    assert {p["member_id"] for p in pledges} == {t.member_id for t in TEACHERS}
    assert {"do", "check", "act", "done"} <= {p["pdca_stage"] for p in pledges}

    science = suite.json("pledges", "--branch", "science")
    assert {p["branch_id"] for p in science} == {"science"} and len(science) == 10
    table = suite.cli("pledges", "--branch", "science").stdout
    for teacher in (t for t in TEACHERS if t.branch_id == "science"):
        assert teacher.name in table


def test_board_shows_published_pledges_with_verified_feedback(suite: Suite) -> None:
    board = suite.until(
        lambda: suite.json("board"),
        lambda found: (
            len(found) == len(TEACHERS)
            and sum(p["feedback"]["verified"] for p in found) == len(demo_requests("give_feedback"))
        ),
    )
    assert {p["member_name"] for p in board} == {t.name for t in TEACHERS}
    table = suite.cli("board").stdout
    assert all(t.name in table for t in TEACHERS)
    assert "承诺公示栏" in table


def test_evaluation_of_a_closed_month_is_complete_and_explained(suite: Suite) -> None:
    month = suite.calendar.closed[1].id
    evaluation = suite.until(
        lambda: suite.json("evaluation", "m02", "--period", month),
        lambda e: not e["provisional"],
    )
    assert evaluation["peer_public_ballots"] == 6 and evaluation["stars"] >= 0
    explained = suite.json("evaluation", "m02", "--period", month, "--explain")
    parts = {c["part"] for c in explained["contributions"]}
    assert {"tier.self", "tier.peer_public", "tier.committee", "objective.posts"} <= parts
    table = suite.cli("evaluation", "m02", "--period", month, "--explain").stdout
    assert f"{evaluation['composite']:.1f}" in table and "RecordVerified" in table


def test_branch_summary_shows_bands_and_the_roll(suite: Suite) -> None:
    branch_id = BRANCHES[0][0]
    members = [t for t in TEACHERS if t.branch_id == branch_id]
    found = suite.until(
        lambda: suite.json("branch", branch_id),
        lambda s: s["summary"]["records"] == 4 * len(members),
    )
    assert found["summary"]["members"] == len(members)
    assert sum(b["members"] for b in found["summary"]["bands"]) == len(members)
    assert {m["name"] for m in found["members"]} == {t.name for t in members}
    table = suite.cli("branch", branch_id).stdout
    assert "top quarter" in table and all(t.name in table for t in members)


WATCHED = "m25"  # in the staff branch: the branch summary test counts chinese's records


def test_watch_prints_a_change_as_it_happens(suite: Suite) -> None:
    watcher = subprocess.Popen(
        [VANGUARD, "watch", WATCHED, "--count", "1", "--json"],
        env=suite.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for attempt in range(10):  # the stream may open after the first change: change again
            done = suite.cli(
                "--role", "member", "--subject", WATCHED, "token"
            )  # a member's token, through the CLI itself
            token = done.stdout.strip()
            _record(suite, token, attempt)
            try:
                out, err = watcher.communicate(timeout=6)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            raise AssertionError("watch printed nothing")
        change = json.loads(out.splitlines()[0])
        assert change["member_id"] == WATCHED and change["event_type"] == "PerformanceRecorded"
        assert watcher.returncode == 0, err
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()


def _record(suite: Suite, token: str, attempt: int) -> None:
    """A self-declared record of m25, through the SDK."""
    import asyncio

    from vanguard.archives.v1 import archives_pb2 as pb
    from vanguard_sdk import Endpoints, Vanguard

    env = suite.env
    endpoints = Endpoints(archives=f"127.0.0.1:{env['VANGUARD_ARCHIVES_PORT']}")

    async def send() -> None:
        async with Vanguard(endpoints, token=token) as vanguard:
            await vanguard.archives.record_performance(
                pb.RecordPerformanceRequest(
                    member_id=WATCHED, category="activities", channel="self_declared",
                    occurred_on=date.today().isoformat(), description=f"观察记录 {attempt}",
                    claimed_points=1,
                )
            )  # fmt: skip

    asyncio.run(send())


# -- commands and errors -------------------------------------------------------------------


def test_close_period_once_by_key_and_refused_after(suite: Suite) -> None:
    period = months_before(suite.calendar.closed[0], 1).id  # no demo data in it
    first = suite.cli("close-period", period, "--key", "test/close")
    assert first.returncode == 0 and f"{period} closed" in first.stdout, first.stderr
    again = suite.cli("close-period", period, "--key", "test/close")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    refused = suite.cli("close-period", period)
    assert refused.returncode == 9  # FAILED_PRECONDITION
    assert (
        refused.stderr.strip()
        == f"error: FAILED_PRECONDITION (field period): period {period} is already closed"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("archive", "m01", "--as-of", "yesterday"), 3, "INVALID_ARGUMENT (field as_of)"),
        (("archive", "nobody"), 5, "NOT_FOUND (field member_id)"),
        (("evaluation", "m01", "--period", "2026-13"), 3, "INVALID_ARGUMENT (field period)"),
        (
            ("--role", "member", "--subject", "m03", "close-period", "2020-01"),
            7,
            "PERMISSION_DENIED",
        ),
        (("branch", "nowhere"), 5, "NOT_FOUND"),
    ],
)
def test_a_refused_call_exits_with_its_status_and_one_line(
    suite: Suite, args: tuple[str, ...], code: int, message: str
) -> None:
    done = suite.cli(*args)
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_a_usage_error_exits_2_and_help_is_everywhere(suite: Suite) -> None:
    missing = suite.cli("archive")
    assert missing.returncode == 2 and "Missing argument" in missing.stderr
    for command in ("up", "demo", "archive", "pledges", "board", "evaluation", "branch",
                    "close-period", "watch", "token", "status"):  # fmt: skip
        shown = suite.cli(command, "--help")
        assert shown.returncode == 0 and "Usage" in shown.stdout, command


def test_status_shows_every_projection_with_its_dead_letters(suite: Suite) -> None:
    done = suite.cli("status")
    assert done.returncode == 0, done.stderr
    for projection in ("archive", "pledges", "ledgers_by_member"):
        line = rf"^ +{projection}: \d+ applied, lag \d+, dead letters 0$"
        assert re.search(line, done.stdout, re.MULTILINE), done.stdout


def test_no_suite_listening_is_unavailable(suite: Suite) -> None:
    env = dict(suite.env, VANGUARD_ARCHIVES_PORT=str(free_port()))
    done = subprocess.run(
        [VANGUARD, "--timeout", "1", "archive", "m01"], env=env, capture_output=True, text=True
    )
    assert done.returncode in (4, 14), done.stderr  # UNAVAILABLE, or the deadline first
    assert done.stderr.startswith("error: ")


# -- demo twice ----------------------------------------------------------------------------


def test_demo_twice_changes_nothing_and_says_so(suite: Suite) -> None:
    def heads() -> dict[str, int]:
        return {s["service"]: int(s["head_position"]) for s in suite.json("status")}

    before = heads()
    again = suite.cli("demo", timeout=120)
    assert again.returncode == 0, again.stderr
    total = count(plan(suite.calendar))
    assert f"already loaded: all {total} commands" in again.stdout
    assert "nothing changed" in again.stdout
    assert heads() == before
