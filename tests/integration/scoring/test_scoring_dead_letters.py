"""Scoring never dies on an event: what an outside producer puts on the input topics (a record
dated in year 1, an envelope with junk data, bytes that are not JSON) goes to the dead-letter
topic with the reason and the original bytes, the member's next event is scored, the worker
stays SERVING and says how many it set aside; a restart (a replay from offset 0) meets the same
verdicts and sends no second letter."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import grpc
from scoring_kit import PARTITIONS, Evaluations, Log, ScoringProcess
from toy.hostile import publish_raw
from toy.points import read_topic
from unit.scoring.story import Story

from contracts.topics import ARCHIVES
from kernel.broker import EmbeddedBroker
from kernel.envelope import Role
from kernel.grpc.client import bearer
from kernel.settings import DEV_TOKEN_SECRET
from kernel.supervisor import wait_until_serving
from kernel.tokens import issue_token
from kernel.topics import DEAD_LETTERS
from vanguard.common.v1 import status_pb2
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc

NOT_JSON = b"\x00\xff not an envelope"


async def read_back(worker: ScoringProcess, school: str) -> tuple[pb.Evaluation, int]:
    """The member's evaluation and the worker's dead-letter count, over gRPC."""
    token = issue_token(DEV_TOKEN_SECRET, subject="c", role=Role.COMMITTEE, school=school, ttl_s=60)
    async with grpc.aio.insecure_channel(worker.address) as channel:
        stub = scoring_pb2_grpc.ScoringServiceStub(channel)
        request = pb.EvaluationRequest(member_id="d1", period="2026-10")
        evaluation = await stub.GetEvaluation(request, metadata=bearer(token), timeout=5)
        status = await stub.GetStatus(
            status_pb2.GetStatusRequest(), metadata=bearer(token), timeout=5
        )
    (ledgers,) = status.projections
    return evaluation, ledgers.dead_lettered


async def test_hostile_events_are_dead_lettered_and_a_replay_meets_the_same_verdict(
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
        # made in the order they are published: store positions and times ascend in the log
        first = story.record("d1", "r1")
        ancient = story.record("d1", "r-old", on=date(1, 1, 1))
        junk = story.archives("AssessmentSubmitted", "d1", period="2026-10", tier="self", scores=7)
        log.publish([first, ancient, junk])
        log.producer.send(ARCHIVES, key=b"d1", value=NOT_JSON)
        log.publish([story.verify("d1", "r1", 4)])  # the member's next event, same partition

        evaluations.wait_for(lambda _: evaluations.latest(school, "d1", "2026-10") is not None)
        assert wait_until_serving(worker.address, 1.0)
        evaluation, counted = await read_back(worker, school)
        assert evaluation.objective_points == 4.0
        assert counted == 3

        letters = read_topic(servers, DEAD_LETTERS, PARTITIONS, at_least=3)
        by_value = {letter.value: letter for letter in letters}
        assert len(letters) == 3 and set(by_value) == {ancient.to_json(), junk.to_json(), NOT_JSON}
        for letter in letters:
            assert letter.key == b"d1"
            assert letter.headers["consumer"] == "scoring.inputs"
            assert letter.headers["source_topic"] == ARCHIVES
            assert int(letter.headers["source_offset"]) >= 0
            assert "Traceback" not in letter.headers["reason"]
            assert len(letter.headers["reason"]) <= 500
        assert by_value[ancient.to_json()].headers["event_id"] == str(ancient.event_id)
        assert (
            by_value[ancient.to_json()]
            .headers["reason"]
            .startswith("cannot apply: InvalidArgument")
        )
        assert by_value[junk.to_json()].headers["event_id"] == str(junk.event_id)
        assert by_value[NOT_JSON].headers["reason"].startswith("undecodable: ValidationError")
        assert "event_id" not in by_value[NOT_JSON].headers

        before = evaluations.settle(0.5)
        worker.stop()
        worker.start()  # replays every input from offset 0: the same verdicts, no crash
        assert await read_back(worker, school) == (evaluation, 3)
        assert len(read_topic(servers, DEAD_LETTERS, PARTITIONS, at_least=3)) == 3
        assert len(evaluations.settle(1.0)) == len(before)  # nothing sent again
    finally:
        worker.stop()


async def test_junk_on_the_internal_topics_is_set_aside_and_closes_still_publish(
    scoring_broker: EmbeddedBroker,
    log: Log,
    evaluations: Evaluations,
    story: Story,
    school: str,
    tmp_path: Path,
) -> None:
    """Close requests and partition replies travel on scoring's own topics, which any client
    can write to: junk there is set aside too, and a close that comes after is published."""
    servers, app_id = scoring_broker.bootstrap_servers, f"scoring-{uuid.uuid4().hex[:6]}"
    worker = ScoringProcess(servers, app_id, tmp_path / "w.log")
    worker.start()
    try:
        closes, replies = f"{app_id}.closes", f"{app_id}.replies"
        publish_raw(servers, closes, school, [NOT_JSON, b'{"school_id": "x"}'])
        publish_raw(servers, replies, f"{school}/2026-10", [b'{"close": 7}'])
        log.publish([story.record("d2", "r1"), story.verify("d2", "r1", 4)])
        log.publish([story.pledge("d2", "p1"), story.pledge_closed("d2", "p1", "fulfilled")])
        log.publish([story.close("2026-10", "month")])

        evaluations.wait_for(lambda _: bool(evaluations.of(school, "PublicationIssued")), 30)
        assert wait_until_serving(worker.address, 1.0)
        letters = [
            letter
            for letter in read_topic(servers, DEAD_LETTERS, PARTITIONS, at_least=3)
            if letter.headers["source_topic"] in (closes, replies)
        ]
        assert sorted((d.headers["consumer"], d.value) for d in letters) == [
            ("scoring.close-requests", NOT_JSON),
            ("scoring.close-requests", b'{"school_id": "x"}'),
            ("scoring.replies", b'{"close": 7}'),
        ]
        assert all(d.headers["reason"].startswith("cannot apply: ") for d in letters)
    finally:
        worker.stop()
