"""What the scoring integration tests share: `python -m scoring` as a child process (worker
and gRPC) against a broker, a producer of archives/pledges envelopes, and a reader of
`vanguard.evaluations` with deadline-bounded waits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from contracts.scoring import registry
from contracts.topics import ARCHIVES, EVALUATIONS, PLEDGES, PUBLISHED
from kernel.broker import free_port
from kernel.envelope import Envelope
from kernel.supervisor import wait_until_serving
from kernel.topics import DEAD_LETTERS, ensure_topics

PARTITIONS = 3
START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # when the tests' stories begin
READY_S = 40.0


@dataclass
class ScoringProcess:
    """One `python -m scoring` child. `kill()` is SIGKILL; `stop()` SIGTERM, then waits."""

    servers: str
    app_id: str
    log: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)  # more VANGUARD_* settings
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> ScoringProcess:
        env = dict(
            os.environ,
            VANGUARD_BOOTSTRAP_SERVERS=self.servers,
            VANGUARD_PARTITIONS=str(PARTITIONS),
            VANGUARD_SCORING_PORT=str(self.port),
            VANGUARD_CONSUMER_SESSION_TIMEOUT_MS="2000",
            VANGUARD_SCORING_APP_ID=self.app_id,
            VANGUARD_SCORING_PLEDGES_GRACE_S="1.0",
            # No pledges service here (the kit publishes pledges events itself, without
            # store positions): a close waits for pledges to be quiet instead of its head.
            VANGUARD_SCORING_ASK_PLEDGES_HEAD="false",
            VANGUARD_LOG_LEVEL="WARNING",
            # beside its log: the journal of adopted rules is this worker's, not the checkout's
            VANGUARD_DATA_DIR=str(self.log.parent / "data"),
        )
        env.update(self.env)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scoring"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
            )
        if not wait_until_serving(f"127.0.0.1:{self.port}", READY_S):
            self.stop()
            raise RuntimeError(f"scoring did not report SERVING; see {self.log}")
        return self

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def prepare_topics(servers: str) -> None:
    ensure_topics(servers, (*PUBLISHED, DEAD_LETTERS), partitions=PARTITIONS)


class Log:
    """Publishes envelopes where the relays would: archives or pledges, keyed by member."""

    def __init__(self, servers: str) -> None:
        self.producer = KafkaProducer(bootstrap_servers=servers, acks="all")

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            topic = PLEDGES if envelope.position is None else ARCHIVES
            self.producer.send(topic, key=envelope.partition_key.encode(), value=envelope.to_json())
        self.producer.flush()

    def close(self) -> None:
        self.producer.close()


class Evaluations:
    """Everything on `vanguard.evaluations` (or another output topic), read from the start."""

    def __init__(self, servers: str, topic: str = EVALUATIONS) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=servers, fetch_max_wait_ms=20)
        self.consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        self.consumer.seek_to_beginning()
        self.seen: list[Envelope] = []

    def poll(self) -> None:
        for records in self.consumer.poll(timeout_ms=100).values():
            self.seen += [Envelope.from_json(record.value) for record in records]

    def wait_for(
        self, found: Callable[[list[Envelope]], bool], timeout_s: float = 20.0
    ) -> list[Envelope]:
        deadline = time.monotonic() + timeout_s
        while not found(self.seen):
            if time.monotonic() > deadline:
                raise TimeoutError(f"not seen within {timeout_s}s; have {len(self.seen)} events")
            self.poll()
        return self.seen

    def settle(self, quiet_s: float = 1.5) -> list[Envelope]:
        """Read until nothing new arrives for `quiet_s` (to show that nothing more comes)."""
        count, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < quiet_s:
            self.poll()
            if len(self.seen) != count:
                count, quiet_since = len(self.seen), time.monotonic()
        return self.seen

    def of(self, school: str, event_type: str = "EvaluationUpdated") -> list[Envelope]:
        return [e for e in self.seen if e.school_id == school and e.event_type == event_type]

    def latest(self, school: str, member: str, period: str) -> Envelope | None:
        stream = f"{school}/evaluation/{member}/{period}"
        mine = [e for e in self.seen if e.stream_id == stream]
        return max(mine, key=lambda e: e.stream_version) if mine else None

    def close(self) -> None:
        self.consumer.close()


def decode(envelope: Envelope):
    return registry.decode(envelope)
