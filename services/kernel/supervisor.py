"""`make run`: the embedded broker and every service as child processes, supervised.

The supervisor owns its children. Each runs in a session of its own with its output in
`<data dir>/log/<name>.log` (kernel.children), held to a size cap (kernel.logfiles); the
terminal shows only the supervisor's lines (all of them too with `--verbose`: kernel.up_logging).
- Start-up: every service is started at once; while waiting for each to report SERVING the
  supervisor also watches that it still runs. One that exits (or never gets there) is
  reported at once with the last lines of its log; the others are stopped; exit code 1.
- Running: a service that dies is restarted with backoff (kernel.children.Backoff), and
  reported again when it is SERVING. A broker that dies is restarted on the same port (it is
  memory-only; the relays republish from the stores).
- Ctrl-C (only the supervisor hears it: the children have their own sessions), SIGTERM or
  SIGHUP: the services are stopped first, in parallel, so their relays and consumers finish
  while the broker is still there, then the broker; all within STOP_BUDGET_S. A child still
  running past its share is killed, and that is said.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kafka.errors import KafkaError

from kernel.broker import BrokerUnavailable, EmbeddedBroker, embedded_broker, listening
from kernel.children import Child
from kernel.logfiles import cap, log_dir, rotate, tail
from kernel.services import Registration, registered_services
from kernel.settings import Settings
from kernel.topics import DEAD_LETTERS, ensure_topics
from kernel.up_logging import Terminal, configure_logging, echo, stdout_lines

log = logging.getLogger("vanguard.supervisor")

STARTUP_TIMEOUT_S = 60.0  # for every service to report SERVING
STOP_BUDGET_S = 10.0  # Ctrl-C to the last child gone
BROKER_STOP_S = 2.0  # of that budget, kept for the broker
POLL_S = 0.2
CAP_EVERY_S = 1.0  # how often the running children's log files are held to their cap
LOG_TAIL_LINES = 20
# Short reconnect backoff: the supervisor asks a restarted service at once, not after the
# channel's default backoff (up to 120 s) has run out.
HEALTH_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


def log_names() -> tuple[str, ...]:
    """Every file `vanguard up` writes in `<data dir>/log` (`<name>.log`): the broker's, each
    registered service's, its own."""
    return (*child_logs(), "supervisor")


def child_logs() -> tuple[str, ...]:
    return ("broker", *(registration.name for registration in registered_services()))


def service_of_pid1(cmdline: Path = Path("/proc/1/cmdline")) -> str | None:
    """In a container the service is chosen by its command (`python -m <module>`): read it
    from PID 1 and name the registered service, so one image's health check knows which
    port to ask."""
    try:
        argv = cmdline.read_bytes().split(b"\0")
    except OSError:
        return None
    if b"-m" in argv[:-1]:
        module = argv[argv.index(b"-m") + 1].decode()
        return next((r.name for r in registered_services() if r.module == module), None)
    return None


def wait_until_serving(address: str, timeout_s: float) -> bool:
    """Poll gRPC health until the server says SERVING or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    return False


class StartupFailed(Exception):
    """A part of the suite could not start: the message says which, why, and what its log
    said."""


def quote(lines: list[str]) -> str:
    """Log lines as quoted in a message, set apart from the supervisor's own words."""
    return "\n".join(f"  | {line}" for line in lines) or "  | (its log is empty)"


def serving(stub: health_pb2_grpc.HealthStub, timeout_s: float = 0.5) -> bool:
    """One health check: True when the server answers SERVING."""
    try:
        reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=timeout_s)
    except grpc.RpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        services: tuple[Registration, ...] | None = None,
        terminal: Terminal | None = None,
    ) -> None:
        self.settings = settings
        self.terminal = terminal or stdout_lines()
        self.services = registered_services() if services is None else services
        self.log_dir = log_dir(settings.data_dir)
        self.broker: EmbeddedBroker | None = None
        self.children: dict[str, Child] = {}
        self._addresses = {spec.name: spec.address(settings) for spec in self.services}
        self._channels = {
            name: grpc.insecure_channel(address, options=HEALTH_CHANNEL_OPTIONS)
            for name, address in self._addresses.items()
        }
        self._health = {
            name: health_pb2_grpc.HealthStub(channel) for name, channel in self._channels.items()
        }
        self._serving: dict[str, bool] = {}
        self._restart_at: dict[str, float] = {}
        self._all_serving = threading.Event()
        self._stopping = threading.Event()
        self._stopped = False

    def say(self, message: str, level: int = logging.INFO) -> None:
        """A line for the terminal and the supervisor's log alike (`said`: a terminal handler
        of `--verbose` leaves it out, it is printed already)."""
        log.log(level, message, extra={"said": True})
        with contextlib.suppress(OSError):  # the terminal is gone (SIGHUP): the log has it
            self.terminal(message)

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["VANGUARD_BOOTSTRAP_SERVERS"] = self.settings.kafka_servers
        env["VANGUARD_BROKER"] = self.settings.broker  # its quirks (`vanguard up --broker`)
        env["VANGUARD_DATA_DIR"] = str(self.settings.data_dir.resolve())
        env["PYTHONUNBUFFERED"] = "1"  # the log file is current when a child dies
        return env

    # -- start-up --------------------------------------------------------------------------

    def fresh_logs(self) -> None:
        """Before a start: every child's log begins anew, the previous run's is kept as
        `<name>.log.1` (kernel.logfiles.rotate)."""
        for name in child_logs():
            rotate(self.log_dir / f"{name}.log")

    def start(self) -> None:
        """Start the broker and every service; return once all report SERVING (or a stop was
        asked for). Raises StartupFailed when one of them cannot start."""
        if self.settings.embedded_broker:
            self._start_broker()
        try:
            self._ensure_topics()
        except (KafkaError, RuntimeError) as exc:
            raise StartupFailed(
                f"the topics could not be made on {self.settings.kafka_servers}: {exc}"
            ) from None
        if self._stopping.is_set():
            return
        env = self._environment()
        for spec in self.services:
            child = Child(
                spec.name,
                [sys.executable, "-m", spec.module],
                env,
                self.log_dir / f"{spec.name}.log",
            )
            child.start()
            self.children[spec.name] = child
            self._serving[spec.name] = False
        self._await_serving()

    def _start_broker(self) -> None:
        broker_log = self.log_dir / "broker.log"
        port = self.settings.broker_port
        if listening("127.0.0.1", port):  # a Kafka already there would answer in its place
            raise StartupFailed(
                f"the embedded broker cannot listen on 127.0.0.1:{port}: another process "
                "already does. Stop it, set VANGUARD_BROKER_PORT to a free port, or set "
                "VANGUARD_BOOTSTRAP_SERVERS to use that broker instead of the embedded one."
            )
        self.broker = embedded_broker(
            self.settings.broker,
            port,
            log_path=broker_log,
            data_dir=self.settings.data_dir.resolve() / "kafka",
            kafka_libs=self.settings.kafka_libs,
        )
        try:
            self.broker.start()
        except BrokerUnavailable as exc:
            raise StartupFailed(str(exc)) from None
        except TimeoutError:
            lines = tail(broker_log, LOG_TAIL_LINES)
            raise StartupFailed(
                f"the embedded broker did not listen on 127.0.0.1:{port}. The last lines of "
                f"its log ({broker_log}):\n{quote(lines)}"
            ) from None
        assert self.broker.process is not None
        self.say(
            f"broker     Kafka protocol on {self.broker.bootstrap_servers} "
            f"({self.broker.description}, pid {self.broker.process.pid})"
        )

    def _await_serving(self) -> None:
        """Wait for every service to report SERVING, watching that each still runs."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        pending = list(self.children)
        while pending and not self._stopping.is_set():
            for name in list(pending):
                child = self.children[name]
                code = child.poll()
                if code is not None:
                    raise StartupFailed(
                        self._failure(
                            name,
                            f"{name} exited with code {code} while starting, before it "
                            f"reported SERVING on {self._addresses[name]}.",
                        )
                    )
                if serving(self._health[name]):
                    pending.remove(name)
                    self._serving[name] = True
                    self.say(self._serving_line(name))
            if pending and time.monotonic() > deadline:
                name = pending[0]
                raise StartupFailed(
                    self._failure(
                        name,
                        f"{name} did not report SERVING on {self._addresses[name]} within "
                        f"{STARTUP_TIMEOUT_S:g} s.",
                    )
                )
            if pending:
                self._stopping.wait(POLL_S)
        if not pending:
            self._all_serving.set()

    def _serving_line(self, name: str) -> str:
        pid = self.children[name].pid
        return f"{name:<10} gRPC on {self._addresses[name]} (health: SERVING, pid {pid})"

    def _failure(self, name: str, what: str) -> str:
        child = self.children[name]
        lines = child.log_tail(LOG_TAIL_LINES)
        return (
            f"{what} The last lines of its log ({child.log_path}):\n"
            f"{quote(lines)}\n"
            "Every other process of the suite has been stopped. A port already in use "
            "(VANGUARD_*_PORT) or a store left by another version (VANGUARD_DATA_DIR) are the "
            "usual causes; the whole log is in that file."
        )

    def _ensure_topics(self) -> None:
        ensure_topics(
            self.settings.kafka_servers,
            (*(topic for spec in self.services for topic in spec.publishes), DEAD_LETTERS),
            partitions=self.settings.partitions,
            replication_factor=self.settings.replication_factor,
        )

    # -- running ---------------------------------------------------------------------------

    def watch(self) -> int:
        """Supervise until a stop is asked for: restart what dies, hold the log files to
        their cap. Returns the exit code."""
        cap_at = 0.0
        while not self._stopping.is_set():
            now = time.monotonic()
            if now >= cap_at:
                cap_at = now + CAP_EVERY_S
                for path in self._log_paths():
                    with contextlib.suppress(OSError):  # a full disk must not stop supervision
                        cap(path)
            for name, child in self.children.items():
                self._supervise(name, child, now)
            if all(self._serving.values()):
                self._all_serving.set()
            else:
                self._all_serving.clear()
            self._supervise_broker()
            self._stopping.wait(POLL_S)
        return 0

    def _log_paths(self) -> list[Path]:
        paths = [child.log_path for child in self.children.values()]
        if self.broker is not None and self.broker.log_path is not None:
            paths.append(self.broker.log_path)
        return paths

    def _supervise(self, name: str, child: Child, now: float) -> None:
        restart_at = self._restart_at.get(name)
        if restart_at is not None:
            if now >= restart_at:
                del self._restart_at[name]
                child.start()
                log.info("%s restarted (pid %s)", name, child.pid)
            return
        code = child.poll()
        if code is not None:
            child.clean_up_group()
            self._serving[name] = False
            delay = child.backoff.next_delay(up_for_s=now - child.started_at)
            self._restart_at[name] = now + delay
            self.say(
                f"{name} exited with code {code}; restarting in {delay:g} s "
                f"(its log: {child.log_path})",
                logging.WARNING,
            )
        elif not self._serving[name] and serving(self._health[name]):
            self._serving[name] = True
            self.say(self._serving_line(name) + " again after a restart")

    def _supervise_broker(self) -> None:
        if self.broker is None:
            return
        process = self.broker.process
        if process is not None:
            if process.poll() is None:
                return
            self.say(
                f"broker exited with code {process.returncode}; restarting it on the same port "
                + (
                    "(the relays republish from the stores)"
                    if self.settings.quirks.memory_only
                    else "(its log is on disk)"
                ),
                logging.WARNING,
            )
        try:
            self.broker.start()  # on failure its process is None: the next round tries again
            self._ensure_topics()
        except (TimeoutError, BrokerUnavailable) as exc:
            self.say(f"broker did not come back ({exc}); trying again", logging.ERROR)
        except (KafkaError, RuntimeError) as exc:
            # A client asked for a topic first, with another partition count: its owner
            # replaces it. The services also make the topics they need: no retry here.
            log.warning("topics on the restarted broker: %s; the services make their own", exc)

    def wait_all_serving(self, timeout_s: float) -> bool:
        """Block until every service is SERVING (e.g. after a restart); False at the
        deadline or once a stop was asked for."""
        deadline = time.monotonic() + timeout_s
        while not self._stopping.is_set() and time.monotonic() < deadline:
            if self._all_serving.wait(POLL_S):
                return not self._stopping.is_set()
        return False

    # -- stopping --------------------------------------------------------------------------

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """True once Ctrl-C (or SIGTERM) asked the suite to stop."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """The services first, in parallel, then the broker, within STOP_BUDGET_S. Once."""
        self._stopping.set()
        if self._stopped:
            return
        self._stopped = True
        started = time.monotonic()
        services_deadline = started + STOP_BUDGET_S - BROKER_STOP_S
        for child in self.children.values():
            child.terminate()
        for name, child in self.children.items():
            while child.poll() is None and time.monotonic() < services_deadline:
                time.sleep(0.05)
            if child.poll() is None:
                self.say(
                    f"{name} did not stop within {STOP_BUDGET_S - BROKER_STOP_S:g} s of SIGTERM; "
                    "killing it",
                    logging.ERROR,
                )
                child.kill()
            else:
                child.clean_up_group()
        if self.broker is not None:
            self.broker.stop(timeout_s=max(0.5, STOP_BUDGET_S - (time.monotonic() - started)))
        for channel in self._channels.values():
            channel.close()
        self.say(f"stopped: every child process has exited ({time.monotonic() - started:.1f} s)")


def run(
    settings: Settings,
    when_up: Callable[[Supervisor], None] | None = None,
    verbose: bool = False,
    terminal: Terminal | None = None,
) -> int:
    """Start the suite, run `when_up` beside the supervision (e.g. load the demo school; it
    may watch `stopping`), then supervise until Ctrl-C, SIGTERM or SIGHUP. `verbose` shows
    every process's log on the terminal as well. Every line for the terminal goes through
    `terminal` (default: stdout; kernel.up_logging says why)."""
    terminal = terminal or stdout_lines()
    configure_logging(settings, verbose, terminal)
    supervisor = Supervisor(settings, terminal=terminal)
    supervisor.fresh_logs()
    echoed = threading.Event()
    if verbose:
        echo(supervisor.log_dir, child_logs(), echoed.is_set, terminal)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.request_stop)
    try:
        supervisor.start()
        if supervisor.stopping:
            return 0
        supervisor.say(
            f"Vanguard is up. Logs: {supervisor.log_dir}/<name>.log. Ctrl-C stops every process."
        )
        if when_up is not None:
            threading.Thread(
                target=_run_when_up, args=(when_up, supervisor), name="when-up", daemon=True
            ).start()
        return supervisor.watch()
    except StartupFailed as failed:
        log.error("%s", failed)
        supervisor.stop()
        print(f"error: {failed}", file=sys.stderr, flush=True)
        return 1
    finally:
        supervisor.stop()
        echoed.set()


def _run_when_up(when_up: Callable[[Supervisor], None], supervisor: Supervisor) -> None:
    """A failure of `when_up` is said in one line; the suite keeps running."""
    try:
        when_up(supervisor)
    except Exception as exc:
        log.exception("after start-up")
        supervisor.say(f"after start-up: {exc!r}; the suite keeps running", logging.ERROR)
