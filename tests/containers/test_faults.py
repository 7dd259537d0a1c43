"""Faults survived: while a bounded load of commands runs, one container — each service in
turn, and the broker (memory-only: it comes back empty) — is killed with SIGKILL at a point a
seed chooses and started again. Commands that meet UNAVAILABLE are retried with the same
idempotency key. In the end every acknowledged command is in the archive exactly once, and the
evaluations equal those of a school that lived the same story without a fault.

`VANGUARD_FAULT_SEEDS` (default 3) sets how many seeds each service gets.

The broker round: the broker comes back empty; the relays republish archives and pledges,
and scoring notices its topics are gone and starts over (scoring.stream.broker_watch), so the
evaluations reach the new broker again."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import grpc
import pytest
from kafka import KafkaConsumer, TopicPartition
from school import MEMBERS, Metadata, School, Stubs, comparable, wait_until
from suite import SERVICES, Suite

from kernel.topics import topic_shapes
from vanguard.common.v1 import status_pb2
from vanguard.scoring.v1 import scoring_pb2 as spb

pytestmark = pytest.mark.timeout(900)
SEEDS = range(1, int(os.environ.get("VANGUARD_FAULT_SEEDS", "3")) + 1)


def evaluation_of(school: School, member: str) -> spb.Evaluation | None:
    """The member's evaluation, comparable; None while scoring has no event of the member yet
    (rebuilding after the broker lost everything, it answers NOT_FOUND until it has)."""
    try:
        return comparable(school.evaluation(member))
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return None


ROUNDS = [
    pytest.param(
        target,
        seed,
        id=f"{target}-{seed}",
    )
    # The broker rounds last: the service rounds need no broker recovery to explain them.
    for target in (*SERVICES, "broker")
    for seed in SEEDS
]
LOAD_MEMBERS = 3  # members whose whole story is the load of one round (~70 commands)
SETTLE_S = 90.0  # a healthy round settles in under 30 s
survived: list[str] = []


class Fault:
    """Kills `target` before command number `at`, starts it again `down_s` later (from a
    thread, while the load goes on and retries)."""

    def __init__(self, suite: Suite, target: str, at: int, down_s: float) -> None:
        self.suite, self.target, self.at, self.down_s = suite, target, at, down_s
        self.restarted: threading.Thread | None = None
        self.killed_at: float | None = None

    def __call__(self, n: int) -> None:
        if n != self.at:
            return
        self.suite.kill(self.target)
        self.killed_at = time.monotonic()
        self.restarted = threading.Timer(self.down_s, self.suite.start_again, [self.target])
        self.restarted.start()

    def recovered(self) -> None:
        assert self.restarted is not None, f"the load ended before command {self.at}"
        self.restarted.join()
        self.suite.wait_ready(self.target)


@pytest.fixture(scope="module")
def stubs(suite: Suite) -> Iterator[Stubs]:
    connected = Stubs.connect({name: suite.address(name) for name in SERVICES})
    yield connected
    connected.close()
    print(f"\nfaults survived: {len(survived)} rounds")
    for line in survived:
        print(f"  {line}")


def school(suite: Suite, stubs: Stubs) -> School:
    return School(f"sc-{uuid.uuid4().hex[:8]}", suite.secret, stubs).found()


@pytest.mark.parametrize(("target", "seed"), ROUNDS)
def test_a_killed_container_loses_and_doubles_nothing(
    suite: Suite, stubs: Stubs, target: str, seed: int
) -> None:
    rng = random.Random(f"{target}-{seed}")
    members = sorted(rng.sample(list(MEMBERS), LOAD_MEMBERS))
    story_seed = rng.randrange(1 << 30)

    reference = school(suite, stubs)
    reference.story(members, random.Random(story_seed))
    faulted = school(suite, stubs)
    fault = Fault(suite, target, at=rng.randint(1, 45), down_s=rng.uniform(0.5, 3.0))
    started = time.monotonic()
    faulted.before_command = fault_after(faulted.acknowledged.commands, fault)
    faulted.story(members, random.Random(story_seed))
    fault.recovered()

    try:
        wait_until(lambda: faulted.archive_mismatches(members), SETTLE_S, "archive != acknowledged")
        wait_until(
            lambda: [
                f"{m}: {faulted.archive(m).events} events, fault-free {reference.archive(m).events}"
                for m in members
                if faulted.archive(m).events != reference.archive(m).events
            ],
            SETTLE_S,
            "archive event counts differ from the fault-free run",
        )
        wait_until(
            lambda: [
                f"{m}: {theirs} != {ours}"
                for m in members
                if (theirs := evaluation_of(faulted, m)) != (ours := evaluation_of(reference, m))
            ],
            SETTLE_S,
            "evaluations differ from the fault-free run",
        )
    except AssertionError:
        print(diagnosis(suite, stubs, faulted.committee))
        for name in ("scoring", "archives", "pledges"):  # what a reader needs next
            print(f"--- {name} (last lines)\n{suite.logs(name, tail=80)}")
        raise
    ack = faulted.acknowledged
    survived.append(
        f"{target:<8} seed {seed}: killed before command {fault.at} of the load, down "
        f"{fault.down_s:.1f}s; {ack.commands} commands acknowledged ({faulted.retries} retries), "
        f"{len(ack.records)} records, {len(ack.pledges)} pledges, "
        f"{sum(ack.assessments.values())} assessments, {len(members)} evaluations checked "
        f"in {time.monotonic() - started:.0f}s"
    )
    print(survived[-1])


def diagnosis(suite: Suite, stubs: Stubs, metadata: Metadata) -> str:
    """Where the events stand: each service's store and projections, and each topic on the
    broker (its id, and how many records each partition holds)."""
    lines = ["--- where the events stand"]
    for name, stub in (("archives", stubs.archives), ("pledges", stubs.pledges)):
        try:
            status = stub.GetStatus(status_pb2.GetStatusRequest(), metadata=metadata, timeout=5)
            projections = ", ".join(
                f"{p.name} applied {p.applied_events} dead-lettered {p.dead_lettered}"
                f"{'' if p.healthy else ' (unhealthy)'}, at "
                + (
                    " ".join(
                        f"{t.topic}:{t.partition}@{t.position}/{t.highwater}" for t in p.partitions
                    )
                    or "no partitions held"
                )
                for p in status.projections
            )
            lines.append(
                f"{name}: head {status.head_position} published {status.published_position}; "
                f"{projections}"
            )
        except grpc.RpcError as exc:
            lines.append(f"{name}: status unavailable ({exc.code()})")
    try:
        for topic, shape in sorted(topic_shapes(suite.kafka).items()):
            lines.append(f"{topic}: id {shape.topic_id}, records {records_on(suite.kafka, topic)}")
    except Exception as exc:  # a diagnosis must not hide the failure it explains
        lines.append(f"topics unavailable ({exc})")
    return "\n".join(lines)


def records_on(servers: str, topic: str) -> list[int]:
    """How many records each partition of `topic` holds (read to the fetch highwater)."""
    consumer = KafkaConsumer(bootstrap_servers=servers, fetch_max_wait_ms=20)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        counts = dict.fromkeys(tps, 0)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=200)
            for tp, records in polled.items():
                counts[tp] += len(records)
            if not polled and all(consumer.highwater(tp) is not None for tp in tps):
                break
        return [counts[tp] for tp in tps]
    finally:
        consumer.close()


def fault_after(founded: int, fault: Fault) -> Callable[[int], None]:
    """Number the load's commands from 1 (the founding commands before it do not count)."""
    return lambda n: fault(n - founded + 1)
