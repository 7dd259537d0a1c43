"""Scoring's handlers without faust or Kafka: what the agents hand them (deliveries) and what
they send through their ports (evaluations, close requests, partition replies, dead letters).
A close goes the whole way here: the PeriodClosed asks every partition, each partition answers
with its own members, the collector issues the publication once."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kafka.partitioner.default import DefaultPartitioner

from contracts import pledges as pledges_events
from contracts.topics import ARCHIVES, PLEDGES
from kernel.envelope import Envelope
from scoring.domain.publication import Close
from scoring.domain.rulebook import RuleBook
from scoring.handlers.close_requests import CloseRequestsHandler, partition_of
from scoring.handlers.inputs import InputsHandler
from scoring.handlers.ports import CLOSE_REQUESTS, INPUTS, REPLIES, Delivery, close_id
from scoring.handlers.replies import RepliesHandler
from scoring.handlers.state import Partitions, Tables
from scoring.readmodel.ledgers import TableLedgers
from scoring.scorer import Scorer
from scoring.stream.merge import Merges
from unit.scoring.story import SCHOOL, Story

PARTITIONS = 3
CLOSES, REPLIES_TOPIC = "vanguard-scoring.closes", "vanguard-scoring.replies"
AFTER_EVERY_DELIVERY_MS = 2**62  # a fetch response later than any arrival
PERIOD_KEY = f"{SCHOOL}/2026-10"


class Fetches:
    """What the latest fetch responses said of each input partition: the broker's end of the
    log (default: nothing beyond what was delivered) and when the response came."""

    def __init__(self) -> None:
        self.highwater: dict[tuple[str, int], int] = {}
        self.fetched_ms = AFTER_EVERY_DELIVERY_MS

    def __call__(self, topic: str, partition: int) -> tuple[int | None, int | None]:
        return self.highwater.get((topic, partition), 0), self.fetched_ms


@dataclass
class Sent:
    """The outputs port: what the handlers sent, decoded."""

    emitted: list[Envelope] = field(default_factory=list)
    close_requests: list[tuple[bytes, dict[str, Any], int]] = field(default_factory=list)
    replies: list[tuple[bytes, dict[str, Any]]] = field(default_factory=list)
    published: dict[str, Close] = field(default_factory=dict)  # closes on the topic at start

    async def emit(self, envelope: Envelope) -> bool:
        self.emitted.append(envelope)
        return True

    async def send_close_request(self, key: bytes, value: bytes, partition: int) -> None:
        self.close_requests.append((key, json.loads(value), partition))

    async def send_partition_reply(self, key: bytes, value: bytes) -> None:
        self.replies.append((key, json.loads(value)))

    async def published_closes(self) -> dict[str, Close]:
        return self.published

    def of_type(self, event_type: str) -> list[Envelope]:
        return [e for e in self.emitted if e.event_type == event_type]


@dataclass
class Parked:
    """The dead-letters port: what was set aside, and from where."""

    letters: list[dict[str, Any]] = field(default_factory=list)

    async def park(
        self,
        exc: Exception,
        what: str,
        *,
        consumer: str,
        source_topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        event_id: str = "",
    ) -> None:
        self.letters.append(
            {
                "what": what,
                "consumer": consumer,
                "source_topic": source_topic,
                "partition": partition,
                "offset": offset,
                "key": key,
                "value": value,
                "event_id": event_id,
            }
        )


@dataclass
class Heads:
    """The pledges-head port: what pledges answers, and for which schools it was asked."""

    answer: int | None = None
    asked: list[str] = field(default_factory=list)

    async def head(self, school_id: str) -> int | None:
        self.asked.append(school_id)
        return self.answer


class Worker:
    """One scoring worker's handlers over dict tables, assigned every partition."""

    def __init__(self, *, ask_pledges_head: bool = False, pledges_head: int | None = None):
        self.scorer = Scorer(RuleBook())
        self.tables = Tables({}, {}, {}, {})
        self.ledgers = TableLedgers(self.tables)  # what the gRPC API reads
        self.fetches = Fetches()
        self.partitions = Partitions(Merges(ARCHIVES, PLEDGES), self.fetches)
        self.sent = Sent()
        self.parked = Parked()
        self.heads = Heads(pledges_head)
        self.offsets: dict[tuple[str, int], int] = {}
        self.close_requests = CloseRequestsHandler(
            self.scorer,
            self.tables,
            self.partitions,
            self.sent,
            self.parked,
            self.heads,
            partition_count=PARTITIONS,
            ask_pledges_head=ask_pledges_head,
        )
        self.inputs = InputsHandler(
            ARCHIVES,
            self.scorer,
            self.tables,
            self.partitions,
            self.sent,
            self.parked,
            request_close=self.close_requests.request,
        )
        self.replies = RepliesHandler(
            self.scorer,
            self.tables,
            self.sent,
            self.parked,
            partition_count=PARTITIONS,
            pledges_grace_s=0.0,
            ask_pledges_head=ask_pledges_head,
        )

    def delivery(self, topic: str, partition: int, key: bytes | None, value: bytes) -> Delivery:
        offset = self.offsets.get((topic, partition), 0)
        self.offsets[(topic, partition)] = offset + 1
        return Delivery(topic, partition, offset, key, value)

    async def deliver(self, *envelopes: Envelope) -> None:
        """Each envelope as its relay publishes it: on its topic, on its key's partition."""
        for envelope in envelopes:
            topic = PLEDGES if envelope.event_type in pledges_events.registry else ARCHIVES
            await self.deliver_on(topic, envelope)

    async def deliver_on(self, topic: str, envelope: Envelope) -> Delivery:
        key = envelope.partition_key.encode()
        delivery = self.delivery(
            topic, partition_of(envelope.partition_key, PARTITIONS), key, envelope.to_json()
        )
        await self.inputs.deliver(delivery)
        return delivery

    async def answer_requests(self) -> None:
        """Every close request sent so far, as the close-requests agent reads it."""
        requests, self.sent.close_requests = self.sent.close_requests, []
        for key, request, partition in requests:
            delivery = self.delivery(CLOSES, partition, key, json.dumps(request).encode())
            await self.close_requests.answer(delivery)

    def reply_deliveries(self) -> list[Delivery]:
        replies, self.sent.replies = self.sent.replies, []
        return [
            self.delivery(REPLIES_TOPIC, 0, key, json.dumps(reply).encode())
            for key, reply in replies
        ]

    def ledger_event_ids(self, member: str) -> list[str]:
        ledgers = self.tables.ledgers_by_member.get(member, {})
        return [fact.event_id for fact in ledgers[SCHOOL].facts] if SCHOOL in ledgers else []


def members_on_every_partition() -> list[str]:
    members = [f"m{n}" for n in range(1, 13)]
    assert {partition_of(m, PARTITIONS) for m in members} == set(range(PARTITIONS))
    return members


def verified_record(story: Story, member: str, points: float = 4) -> list[Envelope]:
    return [
        story.register(member, "b1"),
        story.record(member, f"r-{member}"),
        story.verify(member, f"r-{member}", points),
    ]


# -- inputs ----------------------------------------------------------------------------------


async def test_an_archives_event_scores_its_member_when_pledges_holds_nothing_more() -> None:
    story, worker = Story(), Worker()
    await worker.deliver(*verified_record(story, "m1"))
    assert worker.ledger_event_ids("m1")  # the member's ledger was made and kept
    updates = worker.sent.of_type("EvaluationUpdated")
    assert updates and {u.data["member_id"] for u in updates} == {"m1"}
    assert worker.ledgers.branch(SCHOOL, "m1") == "b1"
    progress = worker.tables.archives_progress_by_partition[partition_of("m1", PARTITIONS)]
    assert progress.archives_up_to(3) == 3


async def test_a_transfer_moves_the_member_to_the_new_branch() -> None:
    story, worker = Story(), Worker()
    await worker.deliver(story.register("m1", "b1"), story.transfer("m1", "b1", "b2"))
    assert worker.ledgers.branch(SCHOOL, "m1") == "b2"
    assert worker.ledgers.branch("another-school", "m1") is None  # the roster is per school


async def test_the_roster_is_rebuilt_by_a_replay_with_each_event_once() -> None:
    """Scoring's state is rebuilt by replaying its inputs at every start: the roster too."""
    story, worker = Story(), Worker()
    events = [story.register("m1", "b1"), story.transfer("m1", "b1", "b2")]
    await worker.deliver(*events)
    worker.inputs.replay_from_start(set(range(PARTITIONS)))
    worker.offsets.clear()
    await worker.deliver(*events)
    [roster] = worker.tables.roster_by_member["m1"].values()
    assert [e.event_id for e in roster.events] == [str(e.event_id) for e in events]


async def test_a_roster_event_that_cannot_be_read_changes_nothing_and_is_set_aside() -> None:
    story, worker = Story(), Worker()
    await worker.deliver(story.register("m1", "b1"))
    broken = story.archives("MemberLeft", "m1", branch_id="b1", left_on="someday")
    await worker.deliver(broken)
    assert worker.ledgers.branch(SCHOOL, "m1") == "b1"
    [roster] = worker.tables.roster_by_member["m1"].values()
    assert len(roster.events) == 1
    assert [letter["event_id"] for letter in worker.parked.letters] == [str(broken.event_id)]


async def test_events_of_the_two_topics_are_applied_in_recorded_order_however_they_arrive() -> None:
    """The merge: an event waits while the other topic's partition holds more than was
    delivered, so two workers reading the same logs in another interleaving score alike."""
    story = Story()
    earlier = story.record("m1", "r1")
    pledge = story.pledge("m1", "p1")  # recorded before the second record
    later = story.record("m1", "r2")
    partition = partition_of("m1", PARTITIONS)
    first, second = Worker(), Worker()
    for worker in (first, second):
        await worker.deliver(earlier)
        worker.fetches.highwater[(PLEDGES, partition)] = 1
        worker.fetches.highwater[(ARCHIVES, partition)] = 2
    await first.deliver(later)  # waits: the pledges partition holds an event not yet read
    assert first.ledger_event_ids("m1") == [str(earlier.event_id)]
    await first.deliver(pledge)
    await second.deliver(pledge)  # waits: the archives partition holds one more
    assert second.ledger_event_ids("m1") == [str(earlier.event_id)]
    await second.deliver(later)
    expected = [str(e.event_id) for e in (earlier, pledge, later)]
    assert first.ledger_event_ids("m1") == second.ledger_event_ids("m1") == expected
    assert [e.to_json() for e in first.sent.emitted] == [e.to_json() for e in second.sent.emitted]


async def test_a_held_event_goes_once_a_later_fetch_shows_the_other_topic_caught_up() -> None:
    story, worker = Story(), Worker()
    worker.fetches.fetched_ms = 0  # the latest pledges fetch came before the event arrived
    record = story.record("m1", "r1")
    await worker.deliver(record)
    await worker.inputs.release_waiting()
    assert worker.ledger_event_ids("m1") == []
    worker.fetches.fetched_ms = AFTER_EVERY_DELIVERY_MS  # an empty fetch response since
    await worker.inputs.release_waiting()
    assert worker.ledger_event_ids("m1") == [str(record.event_id)]


async def test_an_undecodable_message_is_set_aside_and_counts_as_delivered() -> None:
    story, worker = Story(), Worker()
    partition = partition_of("m1", PARTITIONS)
    worker.fetches.highwater[(PLEDGES, partition)] = 1
    junk = worker.delivery(PLEDGES, partition, b"m1", b"not an envelope")
    await worker.inputs.deliver(junk)
    assert worker.parked.letters == [
        {
            "what": "undecodable",
            "consumer": INPUTS,
            "source_topic": PLEDGES,
            "partition": partition,
            "offset": 0,
            "key": b"m1",
            "value": b"not an envelope",
            "event_id": "",
        }
    ]
    record = story.record("m1", "r1")
    await worker.deliver(record)  # the pledges partition is read to its end: not held
    assert worker.ledger_event_ids("m1") == [str(record.event_id)]


async def test_an_event_that_cannot_be_applied_changes_nothing_and_is_set_aside() -> None:
    story, worker = Story(), Worker()
    await worker.deliver(*verified_record(story, "m1"))
    before = worker.ledger_event_ids("m1")
    sent_before = len(worker.sent.emitted)
    ancient = story.record("m1", "r-old", on=date(1, 1, 1))  # before any countable period
    delivery = await worker.deliver_on(ARCHIVES, ancient)
    assert worker.ledger_event_ids("m1") == before
    assert len(worker.sent.emitted) == sent_before
    [letter] = worker.parked.letters
    assert (letter["what"], letter["consumer"], letter["event_id"]) == (
        "cannot apply",
        INPUTS,
        str(ancient.event_id),
    )
    assert (letter["offset"], letter["value"]) == (delivery.offset, delivery.value)
    # its store position still counts as applied: a close waits for every position
    progress = worker.tables.archives_progress_by_partition[delivery.partition]
    assert progress.archives_up_to(ancient.position or 0) == 4


async def test_a_period_closed_opens_its_collection_and_asks_every_partition() -> None:
    story, worker = Story(), Worker()
    close = story.close("2026-10", "month")
    await worker.deliver(close)
    collection = worker.tables.publications_by_period[PERIOD_KEY]
    assert (collection.close.event_id, collection.close.position) == (str(close.event_id), 1)
    assert sorted(p for _, _, p in worker.sent.close_requests) == list(range(PARTITIONS))
    for key, request, _ in worker.sent.close_requests:
        assert key == SCHOOL.encode()
        assert request["close"]["event_id"] == str(close.event_id)
        assert request["pledges_head"] is None


async def test_a_replayed_close_keeps_what_its_collection_gathered() -> None:
    story, worker = Story(), Worker()
    close = story.close("2026-10", "month")
    await worker.deliver(close)
    worker.tables.publications_by_period[PERIOD_KEY].replies["0"] = {"partition": 0}
    worker.inputs.replay_from_start(set(range(PARTITIONS)))
    worker.offsets.clear()
    await worker.deliver(close)
    assert worker.tables.publications_by_period[PERIOD_KEY].replies == {"0": {"partition": 0}}
    assert len(worker.sent.close_requests) == 2 * PARTITIONS  # asked again


async def test_a_replay_forgets_what_its_partitions_delivered() -> None:
    story, worker = Story(), Worker()
    register = story.register("m1", "b1")
    partition = partition_of("m1", PARTITIONS)
    worker.fetches.highwater[(ARCHIVES, partition)] = 1
    await worker.deliver(register)
    worker.inputs.note_replayed({partition})
    assert worker.partitions.replayed.is_set()
    worker.inputs.replay_from_start({partition})
    assert not worker.partitions.replayed.is_set()
    worker.inputs.note_replayed({partition})  # offset 0 is to be read again
    assert not worker.partitions.replayed.is_set()


async def test_serving_once_the_replay_reached_the_end_of_every_assigned_partition() -> None:
    story, worker = Story(), Worker()
    worker.inputs.note_replayed(set())  # nothing assigned yet: not serving
    assert not worker.partitions.replayed.is_set()
    m1 = partition_of("m1", PARTITIONS)
    worker.fetches.highwater[(ARCHIVES, m1)] = 1
    worker.inputs.note_replayed(set(range(PARTITIONS)))
    assert not worker.partitions.replayed.is_set()
    await worker.deliver(story.register("m1", "b1"))
    worker.inputs.note_replayed(set(range(PARTITIONS)))
    assert worker.partitions.replayed.is_set()


# -- close requests --------------------------------------------------------------------------


async def test_each_partition_answers_a_close_with_its_own_members() -> None:
    story, worker = Story(), Worker()
    members = members_on_every_partition()
    for member in members:
        await worker.deliver(*verified_record(story, member))
    close = story.close("2026-10", "month")
    await worker.deliver(close)
    await worker.answer_requests()
    assert len(worker.sent.replies) == PARTITIONS
    answered = set()
    for key, reply in worker.sent.replies:
        assert key == PERIOD_KEY.encode()
        on_it = {s["member_id"] for s in reply["members"]}
        assert on_it == {m for m in members if partition_of(m, PARTITIONS) == reply["partition"]}
        answered |= on_it
    assert answered == set(members)
    assert sum(reply["archives_applied"] for _, reply in worker.sent.replies) == close.position


async def test_a_close_request_it_cannot_read_is_set_aside() -> None:
    worker = Worker()
    bad = worker.delivery(CLOSES, 1, SCHOOL.encode(), b'{"close": {"period": "2026-10"}}')
    await worker.close_requests.answer(bad)
    assert worker.sent.replies == []
    [letter] = worker.parked.letters
    assert (letter["consumer"], letter["source_topic"], letter["partition"]) == (
        CLOSE_REQUESTS,
        CLOSES,
        1,
    )


async def test_an_unready_close_asks_again_with_the_pledges_head_asked_once() -> None:
    story, worker = Story(), Worker(ask_pledges_head=True, pledges_head=7)
    await worker.deliver(story.close("2026-10", "month"))
    worker.sent.close_requests.clear()
    await worker.close_requests.ask_again()
    await worker.close_requests.ask_again()
    assert worker.heads.asked == [SCHOOL]
    assert len(worker.sent.close_requests) == 2 * PARTITIONS
    assert {request["pledges_head"] for _, request, _ in worker.sent.close_requests} == {7}
    worker.tables.publications_by_period[PERIOD_KEY].issued = "{}"
    worker.sent.close_requests.clear()
    await worker.close_requests.ask_again()
    assert worker.sent.close_requests == []  # an issued publication asks no more


def test_a_members_partition_is_the_one_the_producers_put_its_events_on() -> None:
    class Cluster:  # the metadata kafka-python's partitioner reads
        def topics(self) -> set[str]:
            return {ARCHIVES}

        def partitions_for_topic(self, topic: str) -> set[int]:
            return set(range(PARTITIONS))

        def available_partitions_for_topic(self, topic: str) -> set[int]:
            return set(range(PARTITIONS))

    producers = DefaultPartitioner()
    for key in [*members_on_every_partition(), SCHOOL, str(uuid.UUID(int=7)), "王芳"]:
        expected = producers.partition(ARCHIVES, key, key.encode(), None, None, Cluster())
        assert partition_of(key, PARTITIONS) == expected


# -- replies ---------------------------------------------------------------------------------


async def closed_month(worker: Worker, story: Story, members: list[str]) -> Envelope:
    for member in members:
        await worker.deliver(*verified_record(story, member))
    close = story.close("2026-10", "month")
    await worker.deliver(close)
    await worker.answer_requests()
    return close


async def test_the_publication_is_issued_once_every_partition_has_answered() -> None:
    story, worker = Story(), Worker()
    members = members_on_every_partition()
    close = await closed_month(worker, story, members)
    *first, last = worker.reply_deliveries()
    for delivery in first:
        await worker.replies.collect(delivery)
    assert worker.sent.of_type("PublicationIssued") == []
    await worker.replies.collect(last)
    [issued] = worker.sent.of_type("PublicationIssued")
    assert issued.data["closed_by"] == str(close.event_id)
    assert [entry["member_id"] for entry in issued.data["entries"]] == sorted(members)
    assert worker.tables.publications_by_period[PERIOD_KEY].issued == issued.model_dump_json()
    await worker.replies.collect(last)  # redelivered: issued already
    assert len(worker.sent.of_type("PublicationIssued")) == 1


async def test_each_partition_answers_for_its_members_on_the_roster_with_no_event_too() -> None:
    story, worker = Story(), Worker()
    members = members_on_every_partition()
    for member in members:
        await worker.deliver(story.register(member, "b2"))
    await worker.deliver(story.close("2026-10", "month"))
    await worker.answer_requests()
    for delivery in worker.reply_deliveries():
        await worker.replies.collect(delivery)
    [issued] = worker.sent.of_type("PublicationIssued")
    assert [(e["member_id"], e["standing"]) for e in issued.data["entries"]] == [
        (member, "no_activity") for member in sorted(members)
    ]
    assert [(f["member_id"], f["branch_id"], f["reason"]) for f in issued.data["follow_up"]] == [
        (member, "b2", "no_activity") for member in sorted(members)
    ]


async def test_a_reply_without_the_roster_waits_for_a_newer_one() -> None:
    """A reply an older worker left on the topic knows no roster: the publication would miss
    the members with no activity."""
    story, worker = Story(), Worker()
    await closed_month(worker, story, members_on_every_partition())
    *first, last = worker.reply_deliveries()
    for delivery in first:
        await worker.replies.collect(delivery)
    older = json.loads(last.value)
    older["snapshots"] = older.pop("members")
    value = json.dumps(older).encode()
    await worker.replies.collect(Delivery(last.topic, last.partition, last.offset, last.key, value))
    assert worker.sent.of_type("PublicationIssued") == []
    assert worker.parked.letters == []  # an older worker's reply is no error: it waits
    await worker.replies.collect(last)
    assert len(worker.sent.of_type("PublicationIssued")) == 1


async def test_another_worker_collecting_the_same_replies_issues_the_same_publication() -> None:
    """The collector may be a worker that never saw the close (after a rebalance or restart):
    the replies carry it, and the publication is the same, event id and all."""
    story, worker, collector = Story(), Worker(), Worker()
    await closed_month(worker, story, members_on_every_partition())
    replies = worker.reply_deliveries()
    for delivery in replies:
        await worker.replies.collect(delivery)
        await collector.replies.collect(delivery)
    [issued] = worker.sent.of_type("PublicationIssued")
    [again] = collector.sent.of_type("PublicationIssued")
    assert again.to_json() == issued.to_json()


async def test_the_publication_waits_for_every_pledges_position_up_to_the_head() -> None:
    story, worker = Story(), Worker(ask_pledges_head=True, pledges_head=2)
    pledges = [
        story.pledge(m, f"p-{m}").model_copy(update={"position": n})
        for n, m in enumerate(("m1", "m2"), start=1)
    ]
    await worker.deliver(pledges[0])
    await closed_month(worker, story, ["m1", "m2"])
    for delivery in worker.reply_deliveries():  # to requests naming no head yet
        await worker.replies.collect(delivery)
    await worker.close_requests.ask_again()  # now with the head: 2
    await worker.answer_requests()
    for delivery in worker.reply_deliveries():  # pledges position 2 not applied anywhere
        await worker.replies.collect(delivery)
    assert worker.sent.of_type("PublicationIssued") == []
    await worker.deliver(pledges[1])
    await worker.close_requests.ask_again()
    await worker.answer_requests()
    for delivery in worker.reply_deliveries():
        await worker.replies.collect(delivery)
    assert len(worker.sent.of_type("PublicationIssued")) == 1


async def test_a_reply_that_breaks_the_collection_is_set_aside_and_never_kept() -> None:
    story, worker = Story(), Worker()
    close = await closed_month(worker, story, members_on_every_partition())
    *first, last = worker.reply_deliveries()
    for delivery in first:
        await worker.replies.collect(delivery)
    broken = json.loads(last.value)
    broken["members"] = [{"member_id": "m1", "evaluation": {"member_id": "m1"}, "event_ids": []}]
    bad = Delivery(last.topic, last.partition, last.offset, last.key, json.dumps(broken).encode())
    await worker.replies.collect(bad)
    [letter] = worker.parked.letters
    assert (letter["consumer"], letter["event_id"]) == (REPLIES, str(close.event_id))
    collection = worker.tables.publications_by_period[PERIOD_KEY]
    assert set(collection.replies) == {str(json.loads(d.value)["partition"]) for d in first}
    assert worker.sent.of_type("PublicationIssued") == []
    await worker.replies.collect(last)  # the partition's good reply still completes it
    assert len(worker.sent.of_type("PublicationIssued")) == 1


# -- ports -------------------------------------------------------------------------------------


def test_a_dead_letter_names_the_close_a_request_or_reply_was_about() -> None:
    close = {"event_id": "e-1", "school_id": SCHOOL}
    assert close_id(json.dumps({"close": close, "pledges_head": None}).encode()) == "e-1"
    assert close_id(json.dumps({"close": close, "partition": 2}).encode()) == "e-1"
    assert close_id(json.dumps(close).encode()) == "e-1"  # an older worker's request
    assert close_id(b"{broken") == ""
    assert close_id(None) == ""
