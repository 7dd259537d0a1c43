"""Exactly-once effect: a worker killed with SIGKILL mid-stream and restarted ends with the
evaluations an uninterrupted run gives, and a full rebuild (a new worker reading the topics
from the start) issues the identical publication."""

from __future__ import annotations

import itertools
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from broker_matrix import new_broker
from scoring_kit import PARTITIONS, START, Evaluations, Log, ScoringProcess, prepare_topics
from unit.scoring.kit import Members
from unit.scoring.story import Story

from contracts.topics import ARCHIVES, EVALUATIONS, PLEDGES
from kernel.broker import EmbeddedBroker
from kernel.envelope import Envelope
from kernel.topics import ensure_topics, replace_topics, topic_counts
from scoring.domain.rulebook import RuleBook
from scoring.scorer import Scorer

MEMBERS = [f"k{n}" for n in range(8)]


OPEN = "2026-11"  # a month not closed in these tests


def history(story: Story) -> list[Envelope]:
    events: list[Envelope] = []
    for n, member in enumerate(MEMBERS):
        for r in range(4):
            events += [
                story.record(member, f"{member}-r{r}"),
                story.verify(member, f"{member}-r{r}", 2 + r),
            ]
        events += [story.assess(member, "self", 60 + n), story.assess(member, "committee", 70 + n)]
        events += [
            story.assess(member, "peer", 50 + 5 * b, ballot=f"{member}-b{b}") for b in range(5)
        ]
        events += [
            story.pledge(member, f"{member}-p"),
            story.pledge_closed(member, f"{member}-p", "fulfilled"),
        ]
    return events


def final_versions(seen: list[Envelope], school: str) -> dict[str, Envelope]:
    by_version: dict[tuple[str, int], set[uuid.UUID]] = defaultdict(set)
    latest: dict[str, Envelope] = {}
    for e in seen:
        if e.school_id == school and e.event_type == "EvaluationUpdated":
            by_version[(e.stream_id, e.stream_version)].add(e.event_id)
            if e.stream_version >= latest.get(e.stream_id, e).stream_version:
                latest[e.stream_id] = e
    assert all(len(ids) == 1 for ids in by_version.values()), "one content per stream version"
    for stream, last in latest.items():
        assert {v for s, v in by_version if s == stream} == set(range(1, last.stream_version + 1))
    return latest


def test_sigkill_restart_and_rebuild_give_the_same_results(
    scoring_broker: EmbeddedBroker,
    log: Log,
    evaluations: Evaluations,
    story: Story,
    school: str,
    tmp_path: Path,
) -> None:
    events = history(story)
    reference = Members(Scorer(RuleBook()))
    reference.feed(*events)
    expected = {e.stream_id: e for e in reference.sent}  # the last update of each stream

    servers = scoring_broker.bootstrap_servers
    worker = ScoringProcess(servers, f"scoring-{uuid.uuid4().hex[:6]}", tmp_path / "a.log").start()
    try:
        log.publish(events[: len(events) // 2])
        evaluations.wait_for(lambda seen: len([e for e in seen if e.school_id == school]) >= 20)
        worker.kill()  # mid-stream: state, offsets and outputs at whatever point they reached
        worker.start()
        log.publish(events[len(events) // 2 :])
        log.publish([story.close("2026-10", "month")])
        evaluations.wait_for(lambda _: bool(evaluations.of(school, "PublicationIssued")), 40)
    finally:
        worker.stop()
    latest = final_versions(evaluations.settle(1.0), school)
    assert {s: e.data for s, e in latest.items()} == {s: e.data for s, e in expected.items()}
    assert {s: e.event_id for s, e in latest.items()} == {
        s: e.event_id for s, e in expected.items()
    }
    published = evaluations.of(school, "PublicationIssued")
    assert len(published) == 1

    # A full rebuild: a new worker computes everything from the inputs alone, into an empty
    # output topic (on the same topic it would send nothing: every message is there already).
    rebuilt_topic = f"rebuilt-{uuid.uuid4().hex[:6]}"
    rebuild = ScoringProcess(
        servers,
        f"rebuild-{uuid.uuid4().hex[:6]}",
        tmp_path / "b.log",
        env={"VANGUARD_SCORING_EVALUATIONS_TOPIC": rebuilt_topic},
    ).start()
    rebuilt = Evaluations(servers, rebuilt_topic)
    try:
        rebuilt.wait_for(lambda _: bool(rebuilt.of(school, "PublicationIssued")), 40)
        rebuilt.settle(1.0)
    finally:
        rebuild.stop()
        rebuilt.close()
    again = rebuilt.of(school, "PublicationIssued")
    assert [(e.event_id, e.data["digest"]) for e in again] == [
        (published[0].event_id, published[0].data["digest"])
    ]
    assert {s: e.event_id for s, e in final_versions(rebuilt.seen, school).items()} == {
        s: e.event_id for s, e in latest.items()
    }


def test_a_restart_sends_nothing_that_was_sent_before(
    scoring_broker: EmbeddedBroker,
    log: Log,
    evaluations: Evaluations,
    story: Story,
    school: str,
    tmp_path: Path,
) -> None:
    servers = scoring_broker.bootstrap_servers
    worker = ScoringProcess(servers, f"scoring-{uuid.uuid4().hex[:6]}", tmp_path / "w.log")
    worker.start()
    try:
        log.publish([*history(story), story.close("2026-10", "month")])  # positions gapless
        evaluations.wait_for(lambda _: bool(evaluations.of(school, "PublicationIssued")), 40)
        before = list(evaluations.settle(2.0))

        worker.stop()
        worker.start()  # SERVING: its replay has read every input to the end
        assert evaluations.settle(4.0) == before, "the restart re-sent what the topic held"

        # Still live: a new fact gives exactly its own update; one for the closed month
        # (published: frozen) gives none.
        log.publish([story.assess("k0", "self", 99), story.assess("k0", "self", 98, period=OPEN)])
        evaluations.wait_for(lambda seen: len(seen) > len(before))
        new = evaluations.settle(2.0)[len(before) :]
        assert [(e.stream_id, e.stream_version) for e in new] == [
            (f"{school}/evaluation/k0/{OPEN}", 1)
        ]
        assert before_version(new + before, school) == before_version(before, school)
    finally:
        worker.stop()


def before_version(seen: list[Envelope], school: str) -> int:
    return final_versions(seen, school)[f"{school}/evaluation/k0/2026-10"].stream_version


def relays_recreate_their_topics(servers: str) -> None:
    """What the archives and pledges relays do after a broker loss: their topics with the
    configured count, replacing any a client's request by name had auto-created."""
    inputs = (ARCHIVES, PLEDGES)
    wrong = tuple(t for t in inputs if topic_counts(servers).get(t, PARTITIONS) != PARTITIONS)
    if wrong:
        replace_topics(servers, wrong, partitions=PARTITIONS)
    ensure_topics(servers, inputs, partitions=PARTITIONS)


def scoring_recreated_its_output(servers: str, timeout_s: float = 60.0) -> None:
    """Read the evaluations only once scoring made its topic again (a reader asking for a
    missing topic would have the broker create it, with the wrong count)."""
    deadline = time.monotonic() + timeout_s
    while topic_counts(servers).get(EVALUATIONS) != PARTITIONS:
        assert time.monotonic() < deadline, "scoring did not create its output topic again"
        time.sleep(0.2)


@pytest.mark.memory_broker
def test_after_the_broker_lost_everything_scoring_starts_over_and_sends_it_all_again(
    school: str, tmp_path: Path
) -> None:
    """The embedded broker is memory-only: restarted, it is empty. The relays republish the
    inputs; scoring notices its topics are gone, starts over (same process id) and sends the
    evaluations and the publication again, identical to those the broker lost. (A broker of
    its own: its archives positions start at 1, not where the module's broker got to.)"""
    story = Story(school=school, position=itertools.count(1), clock=START)
    events = [*history(story), story.close("2026-10", "month")]
    reference = Members(Scorer(RuleBook()))
    reference.feed(*events)
    expected = {e.stream_id: e for e in reference.sent}

    def lived(servers: str) -> tuple[dict[str, Envelope], list[Envelope]]:
        log, evaluations = Log(servers), Evaluations(servers)
        try:
            log.publish(events)  # first the relays' publishing, then their republishing
            evaluations.wait_for(lambda _: bool(evaluations.of(school, "PublicationIssued")), 90)
            latest = final_versions(evaluations.settle(1.5), school)
            return latest, evaluations.of(school, "PublicationIssued")
        finally:
            log.close()
            evaluations.close()

    with new_broker() as broker:
        servers = broker.bootstrap_servers
        prepare_topics(servers)
        worker = ScoringProcess(
            servers,
            f"scoring-{uuid.uuid4().hex[:6]}",
            tmp_path / "w.log",
            env={"VANGUARD_SCORING_BROKER_CHECK_S": "0.5"},
        ).start()
        try:
            before, published = lived(servers)
            assert worker.process is not None
            pid = worker.process.pid

            broker.restart()  # empty, on the same port
            relays_recreate_their_topics(servers)
            scoring_recreated_its_output(servers)
            after, republished = lived(servers)

            assert worker.process.poll() is None and worker.process.pid == pid
        finally:
            worker.stop()
    assert {s: e.data for s, e in before.items()} == {s: e.data for s, e in expected.items()}
    assert {s: e.event_id for s, e in after.items()} == {s: e.event_id for s, e in before.items()}
    assert [(e.event_id, e.data["digest"]) for e in republished] == [
        (e.event_id, e.data["digest"]) for e in published
    ]
    assert "starting over" in (tmp_path / "w.log").read_text()
