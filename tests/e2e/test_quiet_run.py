"""`make run` as a person at a terminal meets it: `vanguard up --demo` on a (pseudo-)terminal
shows only what a person needs — where each process listens, that the suite is up, where the
logs are and how to stop it, the demo school's progress and what to try next — and after
Ctrl-C one line saying that everything stopped. No log record, warning or traceback of any
process reaches it: each process logs to its file in `<data dir>/log`, which `vanguard logs
NAME` prints. `make run VERBOSE=1` shows those logs on the terminal as well. Ctrl-C stops
every process the suite started, with exit code 0.

Two starts of the suite (each costs tens of seconds): the quiet one is shared by the tests up
to its Ctrl-C, which runs last of them; the verbose one is a test of its own."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from broker_matrix import broker_kind
from e2e.up_process import ANY_PID, VANGUARD_UP_DEMO, UpProcess

from kernel.broker import TansuBroker
from kernel.kafka_broker import KafkaBroker
from kernel.logfiles import clean
from kernel.services import registered_services
from kernel.supervisor import log_names
from vanguard_cli.demo.calendar import Calendar
from vanguard_cli.demo.plan import plan

pytestmark = pytest.mark.timeout(420)

VANGUARD = str(Path(sys.executable).with_name("vanguard"))
UP_S = 240.0  # broker, every service and the demo school on a busy 2-core machine
STOP_S = 15.0  # Ctrl-C to the last process gone: the supervisor's 10 s and a margin
SHOWN_S = 15.0  # a verbose terminal shows what a log file got (it polls each file)
FOLLOW_S = 15.0
LAST_TRY = r"^  sign in as m03 "  # the last line `vanguard up --demo` prints (the web app's)
# What a log record, a warning or a traceback looks like, in any process's format.
NOISE = re.compile(
    r"Traceback|Exception|Error|WARNING|CRITICAL|\bINFO\b|DEBUG|Timer|kafka|faust|"
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
)
STOPPED = re.compile(r"stopped: every child process has exited \([\d.]+ s\)")


@dataclass
class Run:
    up: UpProcess
    started: set[int]  # every process of the suite once it was up, `vanguard up` included


BROKERS = {"tansu": TansuBroker, "kafka": KafkaBroker}


def person_facing(up: UpProcess) -> dict[str, re.Pattern[str]]:
    """Every line `vanguard up --demo` prints until Ctrl-C, by what it says."""
    services = {
        spec.name: re.compile(
            rf"{spec.name} +gRPC on 127\.0\.0\.1:{up.ports[spec.name]} "
            r"\(health: SERVING, pid \d+\)"
        )
        for spec in registered_services()
    }
    return {
        "broker": re.compile(
            rf"broker +Kafka protocol on 127\.0\.0\.1:{up.broker_port} "
            rf"\({re.escape(BROKERS[broker_kind()].description)}, pid \d+\)"
        ),
        **services,
        "up": re.compile(
            rf"Vanguard is up\. Logs: {re.escape(str(up.data_dir / 'log'))}/<name>\.log\. "
            r"Ctrl-C stops every process\."
        ),
        "progress": re.compile(r"demo(?: school|: .+?) +[━╸╺-]+ +\d+/\d+ \S+"),
        "loaded": re.compile(
            r"Loaded the demo school \S+ \(school demo\): \d+ commands written, \d+ already "
            r"there, in [\d.]+ s\. Months \S+ and \S+ are closed; pledges run in \S+\."
        ),
        "try": re.compile(r"Try next \(in another terminal\):"),
        "board": re.compile(r"  \.venv/bin/vanguard board +# .+"),
        "archive": re.compile(r"  \.venv/bin/vanguard archive m01 +# .+"),
        "evaluation": re.compile(r"  \.venv/bin/vanguard evaluation m01 --explain +# .+"),
        "web app": re.compile(
            rf"Web app: http://127\.0\.0\.1:{up.web_port}/  \(承诺公示栏, no sign-in\)"
        ),
        "accounts": re.compile(r"  sign in as \S+ +password \S+  # .+"),
    }


def first(lines: list[str], pattern: re.Pattern[str]) -> int:
    return next(i for i, line in enumerate(lines) if pattern.fullmatch(line))


def log_lines(path: Path) -> list[str]:
    """A log file's complete lines as `vanguard logs` shows them (one still being written is
    left out)."""
    return [clean(line) for line in path.read_text(errors="replace").split("\n")[:-1]]


def descendants(root: int) -> set[int]:
    """`root` and every process under it, as /proc shows them now."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # it exited meanwhile
            continue
    tree = {root}
    while grown := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    return tree


def running(pid: int) -> bool:
    """The process exists and has not exited (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def holding(data_dir: Path) -> list[int]:
    """Running processes of a suite with this data directory (its children inherit it)."""
    wanted = {f"VANGUARD_DATA_DIR={path}".encode() for path in (data_dir, data_dir.resolve())}
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            variables = set(environ.read_bytes().split(b"\0"))
        except OSError:
            continue
        if variables & wanted and running(int(environ.parent.name)):
            found.append(int(environ.parent.name))
    return found


def stop_with_ctrl_c(run: Run) -> list[str]:
    """Ctrl-C as a terminal sends it (to the foreground process group): exit code 0 within
    the stop budget, and no process of the suite left. The lines printed after it."""
    up = run.up
    assert up.process is not None
    mark = len(up.lines)
    os.killpg(up.process.pid, signal.SIGINT)
    assert up.wait(STOP_S) == 0, up.output[-3000:]
    printed = {int(pid) for pid in ANY_PID.findall(up.output)}
    assert printed <= run.started, (printed, run.started)  # what it said it started, it had
    assert not [pid for pid in run.started if running(pid)], "processes left after Ctrl-C"
    assert not holding(up.data_dir)
    assert not up.listening()
    return up.lines[mark:]


def cli(run: Run, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VANGUARD, *args], env=run.up.env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with UpProcess(tmp_path_factory.mktemp("quiet") / "var", VANGUARD_UP_DEMO, tty=True) as up:
        up.wait_for_line(LAST_TRY, UP_S)
        assert up.process is not None
        yield Run(up, descendants(up.process.pid))


# -- the quiet terminal --------------------------------------------------------------------


def test_the_terminal_shows_only_what_a_person_needs(quiet: Run) -> None:
    shown = list(quiet.up.lines)
    noise = [line for line in shown if NOISE.search(line)]
    assert not noise, "\n".join(noise[:20])
    expected = person_facing(quiet.up)
    unexpected = [line for line in shown if not any(p.fullmatch(line) for p in expected.values())]
    assert not unexpected, "\n".join(unexpected[:20])
    missing = [name for name, p in expected.items() if not any(p.fullmatch(x) for x in shown)]
    assert not missing, (missing, "\n".join(shown))

    at = {name: first(shown, pattern) for name, pattern in expected.items()}
    ready = at["up"]
    assert all(at[name] < ready for name in ("broker", *(s.name for s in registered_services())))
    assert ready < at["progress"] < at["loaded"] < at["try"] < at["evaluation"] < at["web app"]
    assert shown.count(shown[ready]) == 1


def test_every_process_logs_to_its_own_file(quiet: Run) -> None:
    logs = quiet.up.data_dir / "log"
    services = [spec.name for spec in registered_services()]
    assert set(log_names()) == {"broker", "supervisor", *services}
    for name in log_names():
        assert (logs / f"{name}.log").exists(), name
    assert "vanguard up starts broker: " in (logs / "broker.log").read_text()

    for name in services:
        text = (logs / f"{name}.log").read_text(errors="replace")
        assert f"vanguard up starts {name}: " in text, name
        ready = rf"^\S+ \S+ INFO vanguard\.\w+ {name} ready: SERVING$"
        assert re.search(ready, text, re.MULTILINE), f"{name}.log has no readiness record"

    # Each command the demo sent is a record in the log of the service it went to.
    steps = [step for phase in plan(Calendar.of(date.today())) for chain in phase for step in chain]
    for service, method in sorted({(step.service, step.method) for step in steps}):
        rpc = "".join(part.title() for part in method.split("_"))
        record = rf"INFO vanguard\.grpc /vanguard\.{service}\.v1\.\w+/{rpc} OK "
        assert re.search(record, (logs / f"{service}.log").read_text()), (service, rpc)

    # The supervisor's own lines are records of its log as well.
    supervisor = (logs / "supervisor.log").read_text()
    for line in quiet.up.lines:
        if line.startswith(("broker ", *services)) or line.startswith("Vanguard is up"):
            assert f" INFO vanguard.supervisor {line}\n" in supervisor, line


def test_vanguard_logs_prints_a_process_log_file(quiet: Run) -> None:
    logs = quiet.up.data_dir / "log"
    for name in log_names():
        before = log_lines(logs / f"{name}.log")
        done = cli(quiet, "logs", name)
        assert done.returncode == 0 and done.stderr == "", (name, done.stderr)
        printed = done.stdout.split("\n")
        # the whole file as it was, up to its last line; what it got meanwhile follows
        assert before and printed[: len(before)] == before, name


def test_vanguard_logs_of_an_unknown_process_says_which_there_are(quiet: Run) -> None:
    done = cli(quiet, "logs", "nobody")
    assert done.returncode == 2 and done.stdout == ""
    names = ", ".join(log_names())
    assert done.stderr == f"error: no process 'nobody': the logs are of {names}\n"


def test_vanguard_logs_follow_prints_what_is_written_until_ctrl_c(quiet: Run) -> None:
    follower = subprocess.Popen(
        [VANGUARD, "logs", "archives", "--follow"],
        env=quiet.up.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    followed: list[str] = []
    reader = threading.Thread(target=lambda: followed.extend(follower.stdout or []), daemon=True)
    reader.start()
    try:
        asked = cli(quiet, "--subject", "follow-check", "archive", "m01")  # a record of archives
        assert asked.returncode == 0, asked.stderr
        deadline = time.monotonic() + FOLLOW_S
        while not any("GetArchive OK" in x and "subject=follow-check" in x for x in followed):
            assert time.monotonic() < deadline, "".join(followed)[-2000:]
            time.sleep(0.2)
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=10) == 0
        assert follower.stderr is not None and follower.stderr.read() == ""
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()


def test_ctrl_c_stops_every_process_it_started_and_says_only_that(quiet: Run) -> None:
    after = stop_with_ctrl_c(quiet)
    assert len(after) == 1 and STOPPED.fullmatch(after[0]), after
    shown = quiet.up.lines
    accounts = person_facing(quiet.up)["accounts"]
    last = max(i for i, line in enumerate(shown) if accounts.fullmatch(line))
    assert shown[last + 1 :] == after


# -- make run VERBOSE=1 --------------------------------------------------------------------


def test_verbose_shows_every_process_log_on_the_terminal_too(tmp_path: Path) -> None:
    """`make run VERBOSE=1`: the demo loads while every log streams past its progress bar
    (lines from several threads at once), and each child's log line is on the terminal,
    headed by the process's name. Everything else is still a person-facing line."""
    up = UpProcess(tmp_path / "var", (VANGUARD, "up"), tty=True)
    up.env.update(VANGUARD_VERBOSE="1", VANGUARD_DEMO="1")
    with up:
        up.wait_for_line(LAST_TRY, UP_S)
        assert up.process is not None
        run = Run(up, descendants(up.process.pid))
        logs = up.data_dir / "log"
        children = ("broker", *(spec.name for spec in registered_services()))
        written = {name: [x for x in log_lines(logs / f"{name}.log") if x] for name in children}
        assert all(written.values()), written  # each has its start at least
        deadline = time.monotonic() + SHOWN_S
        while True:
            shown = set(up.lines)
            missing = {
                name: [line for line in lines if f"{name:<10}| {line}" not in shown]
                for name, lines in written.items()
            }
            if not any(missing.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert up.process.poll() is None, f"vanguard up exited:\n{up.output[-3000:]}"
        assert not any(missing.values()), {name: lines[:5] for name, lines in missing.items()}
        stop_with_ctrl_c(run)

    expected = [*person_facing(up).values(), STOPPED]
    headed = re.compile(rf"(?:{'|'.join(('supervisor', *children))}) *\|(?: .*)?")
    other = [line for line in up.lines if not headed.fullmatch(line)]
    unexpected = [line for line in other if not any(p.fullmatch(line) for p in expected)]
    assert not unexpected, "\n".join(unexpected[:20])
