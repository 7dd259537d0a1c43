"""An acknowledged adoption is never lost: a restarted worker scores under it (from its journal),
a worker with no journal learns it from the rules topic, and after the broker lost everything
the journal sends it to the topic again. A replay never rewrites a scored period."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import grpc
import pytest
from broker_matrix import new_broker
from scoring_kit import PARTITIONS, Evaluations, Log, ScoringProcess, prepare_topics
from test_scoring_recovery import relays_recreate_their_topics
from test_scoring_rules import as_caller, document, evaluation_of
from unit.scoring.story import Story

from contracts.topics import RULES
from kernel.broker import EmbeddedBroker
from kernel.envelope import Role
from kernel.topics import topic_counts
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc


def adopt(address: str, school: str, version: str) -> pb.AdoptRulesReply:
    with grpc.insecure_channel(address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = pb.AdoptRulesRequest(rules_json=document(version, min_reviewers=4))
        reply: pb.AdoptRulesReply = stub.AdoptRules(
            request, metadata=as_caller(Role.COMMITTEE, school), timeout=10
        )
        return reply


def adopted_versions(address: str, school: str, timeout_s: float = 60.0) -> list[str]:
    """The adopted versions ListRules shows (asking again while the worker starts over)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with grpc.insecure_channel(address) as channel:
                stub = scoring_pb2_grpc.ScoringServiceStub(channel)
                listed = stub.ListRules(
                    pb.ListRulesRequest(), metadata=as_caller(Role.MEMBER, school), timeout=5
                )
            return [v.version for v in listed.versions if v.adopted]
        except grpc.RpcError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def worker_on(servers: str, log: Path, **env: str) -> ScoringProcess:
    log.parent.mkdir(parents=True, exist_ok=True)
    return ScoringProcess(servers, f"scoring-{uuid.uuid4().hex[:6]}", log, env=env)


def test_a_restarted_worker_scores_under_the_adopted_rules_and_rewrites_nothing(
    scoring_broker: EmbeddedBroker,
    log: Log,
    evaluations: Evaluations,
    story: Story,
    school: str,
    tmp_path: Path,
) -> None:
    servers, version = scoring_broker.bootstrap_servers, f"{school}-2030.1"
    worker = worker_on(servers, tmp_path / "a" / "w.log").start()
    try:
        adopt(worker.address, school, version)
        log.publish([story.assess("m1", "self", 90, period="2030-01")])
        assert evaluation_of(evaluations, school, "2030-01").data["rules_version"] == version

        worker.stop()
        worker.start()  # its journal read back before the replay
        assert adopted_versions(worker.address, school) == [version]
        log.publish([story.assess("m1", "self", 70, period="2030-02")])
        assert evaluation_of(evaluations, school, "2030-02").data["rules_version"] == version
    finally:
        worker.stop()
    stream = f"{school}/evaluation/m1/2030-01"
    replayed = [e for e in evaluations.settle(1.0) if e.stream_id == stream]
    assert [e.stream_version for e in replayed] == [1]  # the replay sent it nothing new

    fresh = worker_on(servers, tmp_path / "b" / "w.log").start()  # no journal: the topic
    try:
        assert adopted_versions(fresh.address, school) == [version]
    finally:
        fresh.stop()


@pytest.mark.memory_broker  # a broker that loses everything on restart: Tansu's memory store
def test_after_the_broker_lost_everything_the_journal_sends_the_adoption_again(
    school: str, tmp_path: Path
) -> None:
    version = f"{school}-2030.1"
    with new_broker() as broker:
        servers = broker.bootstrap_servers
        prepare_topics(servers)
        worker = worker_on(servers, tmp_path / "w.log", VANGUARD_SCORING_BROKER_CHECK_S="0.5")
        worker.start()
        try:
            reply = adopt(worker.address, school, version)

            broker.restart()  # empty, on the same port
            relays_recreate_their_topics(servers)
            deadline = time.monotonic() + 60
            while topic_counts(servers).get(RULES) != PARTITIONS:  # scoring made it again
                assert time.monotonic() < deadline, "scoring did not create the rules topic"
                time.sleep(0.2)
            rules_topic = Evaluations(servers, topic=RULES)
            try:
                found = rules_topic.wait_for(lambda seen: bool(seen), 60)
            finally:
                rules_topic.close()
            assert [str(e.event_id) for e in found] == [reply.rules.event_id]
            assert adopted_versions(worker.address, school) == [version]

            story = Story(school=school)
            log, evaluations = Log(servers), Evaluations(servers)
            try:
                log.publish([story.assess("m1", "self", 90, period="2030-01")])
                assert evaluation_of(evaluations, school, "2030-01").data["rules_version"] == (
                    version
                )
            finally:
                log.close()
                evaluations.close()
        finally:
            worker.stop()
    assert "sent 1 adopted rules versions" in (tmp_path / "w.log").read_text()
