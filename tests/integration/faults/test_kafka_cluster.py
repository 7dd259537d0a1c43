"""A three-node Apache Kafka cluster (KRaft, three combined broker+controller processes, every
topic with three replicas and min.insync.replicas=2) loses a broker, then the controller
leader, while twenty clients send commands; both come back a few seconds later. Every
acknowledged command is in its archive exactly once, every evaluation and the month's
publication equal those of a school that lived the same story without a fault, and no
command waits longer than STALL_S (its retries included). Runs in the Apache Kafka pass
(`--broker kafka`): Tansu has no replicas to lose."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from cluster import ClusterProcesses
from rounds import Tally, check, close_month
from school import MEMBERS, School, Stubs
from suite import SERVICES

from vanguard.common.v1 import status_pb2

pytestmark = [pytest.mark.apache_kafka, pytest.mark.timeout(900)]
FAULTED_SCHOOLS = 4
MEMBERS_EACH = 10  # four schools of ten members (about 950 commands), twenty clients at once
CLIENTS = 20
PACE_S = 0.5  # each client's pause between commands until both nodes are back: the load
# (about 40 commands a second) outlasts the faults instead of ending before the second kill
STALL_S = 30.0  # the longest one command may take, retries included
CAUGHT_UP_S = 60.0  # every acknowledged event on Kafka at most this long after both are back
DOWN_S = 3.0  # how long the second node stays down (both are down together this long)
SEED = 21


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterProcesses]:
    running = ClusterProcesses(tmp_path_factory.mktemp("cluster"), secret=f"t-{uuid.uuid4().hex}")
    try:
        running.start()
        yield running
    finally:
        running.stop()


class Load:
    """The story of every member of some schools, one client per member, all at once; the
    longest wait one command saw (from its start to the next one's, per client)."""

    def __init__(self, schools: list[School], members: list[str], pace_s: float = 0.0) -> None:
        self.schools, self.members = schools, members
        self.longest_s = 0.0
        self.pace_s = pace_s
        self.calm = threading.Event()  # set: no more pauses between commands
        self._last = threading.local()
        self._lock = threading.Lock()
        for school in schools:
            school.before_command = self._timed

    def _timed(self, n: int) -> None:
        now = time.monotonic()
        last = getattr(self._last, "at", None)
        if last is not None:
            with self._lock:
                self.longest_s = max(self.longest_s, now - last)
        if self.pace_s and not self.calm.is_set():
            self.calm.wait(self.pace_s)
        self._last.at = time.monotonic()

    def _member(self, school: School, member: str) -> None:
        self._last.at = None
        rng = random.Random(f"{SEED}-{member}")  # the same story in every school
        school.records(member, rng)
        school.assessments(member, rng)
        school.pledge(member, rng)

    def run(self) -> None:
        jobs = [(s, m) for s in self.schools for m in self.members]
        with ThreadPoolExecutor(min(CLIENTS, len(jobs))) as pool:
            for done in [pool.submit(self._member, s, m) for s, m in jobs]:
                done.result()

    @property
    def commands(self) -> int:
        return sum(s.acknowledged.commands for s in self.schools)


def test_a_cluster_that_loses_a_broker_and_its_controller_leader_loses_nothing(
    cluster: ClusterProcesses,
) -> None:
    assert cluster.cluster is not None
    nodes = cluster.cluster
    members = sorted(random.Random(SEED).sample(list(MEMBERS), MEMBERS_EACH))
    stubs = Stubs.connect({name: cluster.address(name) for name in SERVICES})
    try:
        reference = School(f"sc-{uuid.uuid4().hex[:8]}", cluster.secret, stubs).found()
        Load([reference], members).run()
        close_month(reference)
        faulted = [
            School(f"sc-{uuid.uuid4().hex[:8]}", cluster.secret, stubs).found()
            for _ in range(FAULTED_SCHOOLS)
        ]
        load = Load(faulted, members, PACE_S)
        leader = nodes.controller_leader()
        first = next(n for n in nodes.nodes if n != leader)
        expected = len(members) * FAULTED_SCHOOLS * 20  # about 23 commands a member

        def faults() -> None:
            """One broker at a tenth of the load, the controller leader two seconds later;
            both started again DOWN_S after that, the leader first."""
            while load.commands < expected // 10:
                time.sleep(0.05)
            started = time.monotonic()
            cluster.kill(f"kafka-{first}")
            time.sleep(2.0)
            cluster.kill(f"kafka-{leader}")
            time.sleep(DOWN_S)
            cluster.start_again(f"kafka-{leader}")
            cluster.start_again(f"kafka-{first}")
            load.calm.set()
            back.append(time.monotonic())
            print(
                f"\nkilled kafka-{first}, then the controller leader kafka-{leader} at "
                f"{load.commands} commands; both back after {time.monotonic() - started:.1f}s"
            )

        back: list[float] = []
        injector = threading.Thread(target=faults)
        began = time.monotonic()
        injector.start()
        load.run()
        took = time.monotonic() - began
        injector.join()
        caught_up_s = every_event_on_kafka(stubs, faulted[0]) - back[0]
        for school in faulted:
            close_month(school)
        tally = Tally()
        problems = [p for school in faulted for p in check(cluster.kafka, reference, school,
                                                           members, tally)]  # fmt: skip
        print(
            f"load: {load.commands} commands at concurrency {CLIENTS} "
            f"in {took:.1f}s, {sum(s.retries for s in faulted)} retries, longest command "
            f"{load.longest_s:.1f}s; every event on Kafka {caught_up_s:.1f}s after both nodes "
            f"were back; {tally}"
        )
        for name in SERVICES:
            print(f"--- {name}: what its producers met\n{cluster.logs(name, tail=15)}")
        assert problems == [], problems
        assert tally.clean(), tally
        assert load.longest_s < STALL_S, f"a command waited {load.longest_s:.1f}s"
        assert caught_up_s < CAUGHT_UP_S, f"the relays caught up {caught_up_s:.1f}s after"
    finally:
        stubs.close()


def every_event_on_kafka(stubs: Stubs, school: School) -> float:
    """When (monotonic) archives' and pledges' relays last saw every event of their stores
    acknowledged by Kafka (bounded by CAUGHT_UP_S + a margin)."""
    deadline = time.monotonic() + CAUGHT_UP_S + 30.0
    while True:
        statuses = [
            stub.GetStatus(status_pb2.GetStatusRequest(), metadata=school.committee, timeout=10)
            for stub in (stubs.archives, stubs.pledges)
        ]
        if all(s.published_position == s.head_position for s in statuses):
            return time.monotonic()
        assert time.monotonic() < deadline, f"relays behind: {statuses}"
        time.sleep(0.2)
