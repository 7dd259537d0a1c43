"""Faults survived: while a school lives a seeded story and closes its month, one container —
each service in turn, and the broker (memory-only: it comes back empty) — is killed with
SIGKILL at a point a seed chooses and started again (rounds.py: during the load, just before
the close is requested, while it is collected, after it was published). Commands that meet
UNAVAILABLE are retried with the same idempotency key. In the end every acknowledged command
is in the archive exactly once, the evaluations equal those of a school that lived the same
story without a fault, and the close ends with exactly one distinct PublicationIssued on the
topic, with the fault-free close's content.

`VANGUARD_FAULT_SEEDS` (default 2) sets how many seeds each target gets; the kill point turns
with the seed (and the target), so the default 8 rounds meet every point twice. The
process-level tests (tests/integration/faults) play every target at every close point, and
`make soak` plays a hundred rounds.

The broker round: the broker comes back empty; the relays republish archives and pledges,
and scoring notices its topics are gone and starts over (scoring.stream.broker_watch), so the
evaluations and publications reach the new broker again."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import grpc
import pytest
from kafka import KafkaConsumer, TopicPartition
from rounds import POINTS, play
from school import Metadata, School, Stubs
from suite import SERVICES, Suite

from kernel.topics import topic_shapes
from vanguard.common.v1 import status_pb2

pytestmark = pytest.mark.timeout(900)
SEEDS = range(1, int(os.environ.get("VANGUARD_FAULT_SEEDS", "2")) + 1)
TARGETS = (*SERVICES, "broker")  # the broker rounds last: no broker recovery in the others
ROUNDS = [
    pytest.param(target, seed, POINTS[(t + seed) % len(POINTS)], id=f"{target}-{seed}")
    for t, target in enumerate(TARGETS)
    for seed in SEEDS
]
survived: list[str] = []


@pytest.fixture(scope="module")
def stubs(suite: Suite) -> Iterator[Stubs]:
    connected = Stubs.connect({name: suite.address(name) for name in SERVICES})
    yield connected
    connected.close()
    print(f"\nfaults survived: {len(survived)} rounds")
    for line in survived:
        print(f"  {line}")


@pytest.mark.parametrize(("target", "seed", "point"), ROUNDS)
def test_a_killed_container_loses_and_doubles_nothing(
    suite: Suite, stubs: Stubs, target: str, seed: int, point: str
) -> None:
    try:
        played = play(suite, stubs, target, point, seed)
    except Exception:  # a part that never came back: what its log says is the diagnosis
        for name in ("scoring", "archives", "pledges"):
            print(f"--- {name} (last lines)\n{suite.logs(name, tail=80)}")
        raise
    if played.problems:
        print(diagnosis(suite, stubs, School(played.school_id, suite.secret, stubs).committee))
        for name in ("scoring", "archives", "pledges"):  # what a reader needs next
            print(f"--- {name} (last lines)\n{suite.logs(name, tail=80)}")
    assert played.problems == [], played.summary
    assert played.tally.clean(), played.tally
    survived.append(played.summary)
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
