"""Scoring figures, on 127.0.0.1, each worker a child process as in production:

- the ceilings: a bare faust agent on the same broker, with the same faust settings, that
  counts events per key in a table (changelogged, as faust does by default) and sends each
  event on; fed exactly as scoring is (appended to an archives store, published by the
  outbox relay), so the two differ only in the agent; events/s from the first append to the
  last event seen on its output topic. The same agent fed by kafka-python straight into its
  topic is shown too: what the agent alone does (the store and relay cost both sides alike);
- scoring: events/s from an event appended to an archives store (SQLite, the outbox relay
  publishing it) to its EvaluationUpdated on the evaluations topic (target: 50% of the
  ceiling); then its p50 and p99 latency, append to update, at a steady 200 events/s (p99
  budget 250 ms: the harness compares rates, so latencies are shown as 1/latency);
- the price of derived state: events/s a restarted worker replays before it is SERVING.

Every event is a self-assessment of one of MEMBERS members whose scores alternate, so each
one changes that member's month evaluation and causes exactly one EvaluationUpdated (its
causation id names the event). Each run has topics, a store and a faust app id of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench.harness import Measurement, Ratio, Rig, Timing, best_of
from contracts.archives import AssessmentSubmitted
from kernel.broker import free_port
from kernel.envelope import Actor, CommandContext, Role
from kernel.relay import OutboxRelay
from kernel.settings import Settings
from kernel.store.port import PendingEvent
from kernel.store.sqlite import SqliteEventStore
from kernel.supervisor import wait_until_serving
from kernel.topics import ensure_topics

MEMBERS = 200
EVENTS = 5_000  # throughput figures
STEADY_RATE = 200.0  # events/s for the latency figures
STEADY_S = 15.0
WARMUP = 200
REPEATS = 2  # throughput figures: the better of two runs (other load only slows one down)
THROUGHPUT_TARGET = 0.50
P99_BUDGET_S = 0.250
STARTUP_S = 60.0
SETTLE_S = 120.0  # longest the last output may take to show up
SESSION_TIMEOUT_MS = 2000  # a fresh group joins in about half of it
SCHOOL = "school-bench-scoring"
PERIOD = "2026-10"


@dataclass
class Topics:
    """A run's own topics: inputs, evaluations and (unused here) pledges."""

    prefix: str = field(default_factory=lambda: f"bench.scoring-{uuid.uuid4().hex[:8]}")

    @property
    def archives(self) -> str:
        return f"{self.prefix}.archives"

    @property
    def pledges(self) -> str:
        return f"{self.prefix}.pledges"

    @property
    def evaluations(self) -> str:
        return f"{self.prefix}.evaluations"

    def create(self, servers: str) -> None:
        every = (self.archives, self.pledges, self.evaluations)
        ensure_topics(servers, every, partitions=Settings().partitions)


# -- child processes -------------------------------------------------------------------------


@contextmanager
def child(rig: Rig, args: list[str], env: dict[str, str], name: str) -> Iterator[Path]:
    """`python <args>` with `env` added, output to a log in the scratch directory; SIGTERM
    (then SIGKILL) on exit."""
    log = rig.workdir / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, *args],
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def scoring_worker(rig: Rig, topics: Topics, app_id: str) -> Iterator[None]:
    """`python -m scoring` on the run's topics, once it reports SERVING (replay done)."""
    port = free_port()
    env = {
        "VANGUARD_BOOTSTRAP_SERVERS": rig.broker().bootstrap_servers,
        "VANGUARD_DATA_DIR": str(rig.workdir / "scoring"),
        "VANGUARD_SCORING_PORT": str(port),
        "VANGUARD_CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
        "VANGUARD_LOG_LEVEL": "WARNING",
        "VANGUARD_SCORING_APP_ID": app_id,
        "VANGUARD_SCORING_ARCHIVES_TOPIC": topics.archives,
        "VANGUARD_SCORING_PLEDGES_TOPIC": topics.pledges,
        "VANGUARD_SCORING_EVALUATIONS_TOPIC": topics.evaluations,
    }
    with child(rig, ["-m", "scoring"], env, "scoring") as log:
        if not wait_until_serving(f"127.0.0.1:{port}", STARTUP_S):
            raise TimeoutError(f"scoring did not report SERVING within {STARTUP_S}s; see {log}")
        yield


# -- reading outputs -------------------------------------------------------------------------


class Arrivals:
    """Reads a topic from its start in a thread; when each key (by `key_of`) first showed."""

    def __init__(self, servers: str, topic: str, key_of: str = "causation_id") -> None:
        self.seen: dict[str, float] = {}
        self._key_of = key_of
        self._consumer = KafkaConsumer(
            bootstrap_servers=servers, fetch_max_wait_ms=5, max_poll_records=2000
        )
        partitions = self._consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_beginning(*assigned)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-arrivals", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for records in self._consumer.poll(timeout_ms=50).values():
                now = time.perf_counter()
                for record in records:
                    key = self._key(record.key, record.value)
                    self.seen.setdefault(key, now)

    def _key(self, key: bytes | None, value: bytes) -> str:
        return str(json.loads(value).get(self._key_of) or "")

    def wait_for(self, keys: list[str], timeout_s: float = SETTLE_S) -> float:
        """When the last of `keys` showed (perf_counter)."""
        deadline = time.monotonic() + timeout_s
        while True:
            missing = sum(1 for key in keys if key not in self.seen)
            if not missing:
                return max(self.seen[key] for key in keys)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{missing} of {len(keys)} outputs not seen in {timeout_s}s")
            time.sleep(0.01)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


# -- the ceiling: a bare faust table-count agent ---------------------------------------------


def run_count_agent(app_id: str, source: str, sink: str) -> None:
    """The child process: count events per key in a table, send each event on."""
    import faust
    from faust.worker import Worker

    from scoring.adapters.faust_app import app_options, short_fetches

    settings = Settings()
    short_fetches(settings.fetch_max_wait_ms)
    datadir = settings.service_dir("count") / "faust"
    app = faust.App(app_id, datadir=str(datadir), **app_options(settings))
    counts = app.Table("counts", default=int, key_type=bytes, value_type=int)
    source_topic = app.topic(source, key_serializer="raw", value_serializer="raw")
    sink_topic = app.topic(sink, key_serializer="raw", value_serializer="raw")

    @app.agent(source_topic)
    async def count(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            counts[event.key] += 1
            await sink_topic.send(key=event.key, value=event.value)

    Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


def faust_count(rig: Rig) -> Timing:
    return best_of(REPEATS, lambda: _faust_count(rig))


def _faust_count(rig: Rig) -> Timing:
    servers = rig.broker().bootstrap_servers
    topics = Topics()
    topics.create(servers)
    app_id = f"bench-count-{uuid.uuid4().hex[:8]}"
    ensure_topics(servers, (f"{app_id}-counts-changelog",), partitions=Settings().partitions)
    env = {
        "VANGUARD_BOOTSTRAP_SERVERS": servers,
        "VANGUARD_DATA_DIR": str(rig.workdir / "count"),
        "VANGUARD_CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
    }
    args = ["-m", "bench.scoring", app_id, topics.archives, topics.evaluations]
    archives = Archives(rig, topics)
    arrivals = Arrivals(servers, topics.evaluations, key_of="event_id")
    try:
        with child(rig, args, env, "faust-count"):
            # the agent is ready once the warm-up events come out
            arrivals.wait_for(archives.append_all(archives.prepare(0, WARMUP)), STARTUP_S)
            return _timed_burst(archives, arrivals, rig.count(EVENTS))
    finally:
        arrivals.close()
        archives.close()


def faust_count_produced(rig: Rig) -> Timing:
    return best_of(REPEATS, lambda: _faust_count_produced(rig))


def _faust_count_produced(rig: Rig) -> Timing:
    """The same agent fed by kafka-python straight into its input topic (no store, no
    relay): what the agent alone does on this broker."""
    servers = rig.broker().bootstrap_servers
    topics = Topics()
    topics.create(servers)
    app_id = f"bench-count-{uuid.uuid4().hex[:8]}"
    ensure_topics(servers, (f"{app_id}-counts-changelog",), partitions=Settings().partitions)
    env = {
        "VANGUARD_BOOTSTRAP_SERVERS": servers,
        "VANGUARD_DATA_DIR": str(rig.workdir / "count"),
        "VANGUARD_CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
    }
    args = ["-m", "bench.scoring", app_id, topics.archives, topics.evaluations]
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=2)
    arrivals = Arrivals(servers, topics.evaluations, key_of="event_id")

    def produce(first: int, count: int) -> list[str]:
        ids = []
        for n in range(first, first + count):
            ids.append(f"e-{n}")
            value = json.dumps({"event_id": ids[-1]}).encode()
            producer.send(topics.archives, key=f"member-{n % MEMBERS}".encode(), value=value)
        producer.flush()
        return ids

    try:
        with child(rig, args, env, "faust-count"):
            arrivals.wait_for(produce(0, WARMUP), STARTUP_S)
            count = rig.count(EVENTS)
            started = time.perf_counter()
            return Timing(count, arrivals.wait_for(produce(WARMUP, count)) - started)
    finally:
        arrivals.close()
        producer.close()


def _timed_burst(archives: Archives, arrivals: Arrivals, count: int) -> Timing:
    """Append `count` events as fast as the store takes them; until the last output."""
    prepared = archives.prepare(WARMUP, count)
    started = time.perf_counter()
    ids = archives.append_all(prepared)
    return Timing(count, arrivals.wait_for(ids) - started)


# -- scoring, from the store to EvaluationUpdated ---------------------------------------------


@dataclass(frozen=True)
class Assessment:
    member: str
    event: PendingEvent
    context: CommandContext


class Archives:
    """An archives store of the run's own, relayed to the run's archives topic."""

    def __init__(self, rig: Rig, topics: Topics) -> None:
        self.store = SqliteEventStore(rig.new_file("scoring-archives"))
        self.relay = OutboxRelay(
            self.store,
            rig.broker().bootstrap_servers,
            topics.archives,
            name=f"bench-{topics.prefix}",
            partitions=Settings().partitions,
        )
        self.relay.start()

    def prepare(self, first: int, count: int) -> list[Assessment]:
        """Self-assessments n = first… : member n % MEMBERS assesses again, with the other
        of two scores, so each one changes their month evaluation."""
        return [self._assessment(n) for n in range(first, first + count)]

    @staticmethod
    def _assessment(n: int) -> Assessment:
        member = f"member-{n % MEMBERS}"
        score = 60.0 if (n // MEMBERS) % 2 == 0 else 70.0
        event = AssessmentSubmitted(
            member_id=member,
            period=PERIOD,
            tier="self",
            scores=dict.fromkeys(("study", "work", "discipline", "devotion"), score),
            ballot_id=f"self-{member}",
            supersedes=n >= MEMBERS,
        )
        context = CommandContext(
            school_id=SCHOOL, actor=Actor(id=member, role=Role.MEMBER), correlation_id="bench"
        )
        return Assessment(member, PendingEvent(event), context)

    def append(self, assessment: Assessment) -> str:
        """Append one; its event id."""
        result = self.store.append(
            f"{SCHOOL}/assessment/{assessment.member}",
            None,
            [assessment.event],
            context=assessment.context,
            partition_key=assessment.member,
        )
        return str(result.envelopes[0].event_id)

    def append_all(self, assessments: list[Assessment]) -> list[str]:
        return [self.append(assessment) for assessment in assessments]

    def close(self) -> None:
        self.relay.stop()
        self.store.close()


@contextmanager
def pipeline(rig: Rig) -> Iterator[tuple[Archives, Arrivals, Topics]]:
    """A store, its relay, a scoring worker and a reader of its evaluations, warmed up."""
    topics = Topics()
    topics.create(rig.broker().bootstrap_servers)
    archives = Archives(rig, topics)
    arrivals = Arrivals(rig.broker().bootstrap_servers, topics.evaluations)
    try:
        with scoring_worker(rig, topics, f"bench-scoring-{uuid.uuid4().hex[:8]}"):
            arrivals.wait_for(archives.append_all(archives.prepare(0, WARMUP)), STARTUP_S)
            yield archives, arrivals, topics
    finally:
        arrivals.close()
        archives.close()


def scoring_throughput(rig: Rig) -> Timing:
    return best_of(REPEATS, lambda: _scoring_throughput(rig))


def _scoring_throughput(rig: Rig) -> Timing:
    with pipeline(rig) as (archives, arrivals, _):
        return _timed_burst(archives, arrivals, rig.count(EVENTS))


@dataclass
class Latencies:
    """Append-to-update latencies of the last steady run (both latency figures read it)."""

    values: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


_steady = Latencies()


def _steady_run(rig: Rig) -> Latencies:
    count = max(1, int(STEADY_RATE * STEADY_S * rig.scale))
    with pipeline(rig) as (archives, arrivals, _):
        appended: dict[str, float] = {}
        prepared = archives.prepare(WARMUP, count)
        started = time.perf_counter()
        for n, assessment in enumerate(prepared):
            due = started + n / STEADY_RATE
            while (now := time.perf_counter()) < due:
                time.sleep(min(0.002, due - now))
            at = time.perf_counter()
            appended[archives.append(assessment)] = at
        arrivals.wait_for(list(appended))
        return Latencies([arrivals.seen[key] - at for key, at in appended.items()])


def scoring_p50(rig: Rig) -> Timing:
    global _steady
    _steady = _steady_run(rig)
    return Timing(1, _steady.percentile(0.50))


def scoring_p99(rig: Rig) -> Timing:
    if not _steady.values:
        raise RuntimeError("the p50 figure runs the steady load first")
    return Timing(1, _steady.percentile(0.99))


def p99_budget(rig: Rig) -> Timing:
    """Not a measurement: the 250 ms p99 budget as a rate."""
    return Timing(1, P99_BUDGET_S)


def replay_on_start(rig: Rig) -> Timing:
    """The store's events go through a first worker; a second worker of the same app id
    then replays them all before it reports SERVING: events over its start-up time."""
    count = rig.count(EVENTS)
    topics = Topics()
    topics.create(rig.broker().bootstrap_servers)
    archives = Archives(rig, topics)
    arrivals = Arrivals(rig.broker().bootstrap_servers, topics.evaluations)
    app_id = f"bench-scoring-{uuid.uuid4().hex[:8]}"
    try:
        with scoring_worker(rig, topics, app_id):
            arrivals.wait_for(archives.append_all(archives.prepare(0, count)))
        started = time.perf_counter()
        with scoring_worker(rig, topics, app_id):
            return Timing(count, time.perf_counter() - started)
    finally:
        arrivals.close()
        archives.close()


MEASUREMENTS = [
    Measurement(
        "faust.table_count_produced",
        "faust agent counting into a table: kafka-python produce to its output (no store)",
        "event",
        faust_count_produced,
    ),
    Measurement(
        "faust.table_count",
        "faust agent counting into a table: store append to its output (same feed, broker)",
        "event",
        faust_count,
    ),
    Measurement(
        "scoring.throughput",
        "Scoring: store append to EvaluationUpdated on the topic",
        "event",
        scoring_throughput,
        ratios=(
            Ratio("faust.table_count", THROUGHPUT_TARGET, "vs a bare faust table agent, same feed"),
            Ratio("faust.table_count_produced", None, "vs that agent fed without store and relay"),
        ),
    ),
    Measurement(
        "scoring.budget.p99",
        "Budget: append-to-update p99 of 250 ms, as a rate (not measured)",
        "event",
        p99_budget,
    ),
    Measurement(
        "scoring.p50",
        "Scoring: append-to-update p50 at 200 events/s (rate = 1/p50)",
        "event",
        scoring_p50,
    ),
    Measurement(
        "scoring.p99",
        "Scoring: append-to-update p99 at 200 events/s (rate = 1/p99)",
        "event",
        scoring_p99,
        ratios=(Ratio("scoring.budget.p99", 1.0, "p99 within budget"),),
    ),
    Measurement(
        "scoring.replay",
        "Scoring: inputs replayed at start, until SERVING (incl. group join)",
        "event",
        replay_on_start,
    ),
]


if __name__ == "__main__":  # the ceiling's child process: app id, source, sink
    run_count_agent(*sys.argv[1:4])
