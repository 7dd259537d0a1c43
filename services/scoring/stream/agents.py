"""The agents: score members as archives and pledges events arrive (merged per partition in
a deterministic order), answer close requests per partition, collect the answers into
publications, and ask again while one waits.

Every start replays the input topics from their beginning (scoring.stream.replay): the
tables are rebuilt, and what the evaluations topic already holds is not sent again
(scoring.stream.emitted). A message an agent cannot apply changes no table and goes to the
dead-letter topic (scoring.stream.dead_letters); the agent goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging

from faust import EventT, StreamT
from faust.types import TP
from kafka.partitioner.default import murmur2

from kernel.envelope import Envelope
from scoring.domain.ledger import MemberLedger
from scoring.domain.publication import Close
from scoring.domain.roster import branch_after
from scoring.domain.rulebook import RuleBook
from scoring.scorer import Scorer
from scoring.snapshots import snapshot
from scoring.stream import broker_watch, topics
from scoring.stream.app import app, config, settings
from scoring.stream.closing import (
    Collection,
    close_from_json,
    close_of,
    close_request,
    partition_reply,
    publication_envelope,
    request_from_json,
)
from scoring.stream.dead_letters import box as dead_letters
from scoring.stream.emitted import EmittedLog, event_ids_on
from scoring.stream.merge import Merges, Origin
from scoring.stream.pledges_head import PledgesHead
from scoring.stream.progress import PartitionProgress
from scoring.stream.replay import ReplayingConsumer
from scoring.stream.tables import (
    archives_progress_by_partition,
    branches_by_member,
    ledgers_by_member,
    publications_by_period,
)

log = logging.getLogger("vanguard.scoring")
scorer = Scorer(RuleBook(config.rules_dir), config.year_start_month)
inputs = app.topic(
    *config.input_topics,
    key_serializer="raw",
    value_serializer="raw",
    acks=False,  # never committed: every start replays them (scoring.stream.replay)
)
merges = Merges(*config.input_topics, round(config.merge_hold_s * 1000))
applying = asyncio.Lock()  # one releaser at a time: the agent or the timer
replayed = asyncio.Event()  # set once the assigned input partitions were read to their end
# who gives up on a message, as its dead letter names it
INPUTS, CLOSE_REQUESTS, REPLIES = "scoring.inputs", "scoring.close-requests", "scoring.replies"


pledges = PledgesHead(
    f"{config.pledges_host}:{settings.pledges_port}",
    settings.token_secret.get_secret_value(),
    timeout_s=config.pledges_timeout_s,
)
emitted = EmittedLog(lambda: event_ids_on(settings.kafka_servers, config.evaluations_topic))


def _on_replay(tps: set[TP]) -> None:
    for partition in {tp.partition for tp in tps}:
        merges.reset(partition)
    replayed.clear()
    emitted.reread(app.producer.flush)
    dead_letters.sent.reread(app.producer.flush)


async def emit(envelope: Envelope) -> bool:
    """Send to the evaluations topic unless it holds this message already (a replay)."""
    key, value = envelope.partition_key.encode(), envelope.to_json()
    return await emitted.send_new(
        str(envelope.event_id), lambda: topics.evaluations.send(key=key, value=value)
    )


ReplayingConsumer.on_replay = staticmethod(_on_replay)


def fetch_state(topic: str, partition: int) -> tuple[int | None, int | None]:
    """Highwater and time of the latest fetch response (never ListOffsets: see
    scoring.stream.merge)."""
    consumer = app.consumer
    assert isinstance(consumer, ReplayingConsumer)
    return consumer.fetch_state(TP(topic, partition))


def partition_of(key: str) -> int:
    """The partition a member's events are on (the producers' default partitioner)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % settings.partitions


@app.agent(inputs)
async def score_members(stream: StreamT[bytes]) -> None:
    async for event in stream.events():
        message = event.message
        merge = merges.of(message.partition)
        try:
            envelope: Envelope | None = Envelope.from_json(event.value)
        except ValueError as exc:
            envelope = None
            await _park(exc, INPUTS, event, what="undecodable")
        origin = Origin(message.offset, event.key, event.value)
        merge.arrive(message.topic, message.offset, envelope, origin)
        await release(message.partition)


@app.timer(0.01)
async def release_waiting() -> None:
    """Events held for the other topic go once it is caught up (its fetch came back empty);
    the worker reports SERVING once its replay has reached the end of every input."""
    for merge in merges.pending():
        await release(merge.partition)
    if not replayed.is_set() and app.tables.recovery.completed.is_set():  # type: ignore[attr-defined]
        partitions = {tp.partition for tp in app.consumer.assignment() if tp.topic in inputs.topics}
        if partitions and merges.caught_up(partitions, fetch_state):
            replayed.set()


async def release(partition: int) -> None:
    async with applying:
        for topic, envelope, origin in merges.of(partition).release(fetch_state):
            await _apply(partition, topic, envelope, origin)


async def _apply(partition: int, topic: str, envelope: Envelope, origin: Origin | None) -> None:
    progress = progress_of(partition)
    if topic == config.archives_topic:
        progress.note_archives(envelope.position)
    else:
        progress.note_pledges(envelope)
    try:  # the one guard: an event that cannot be applied changes no table
        close, updates = _decide(topic, envelope)
    except Exception as exc:
        await dead_letters.park(
            exc,
            "cannot apply",
            consumer=INPUTS,
            source_topic=topic,
            partition=partition,
            offset=-1 if origin is None else origin.offset,
            key=None if origin is None else origin.key,
            value=envelope.to_json() if origin is None else origin.value,
            event_id=str(envelope.event_id),
        )
        return
    if close is not None:
        key = f"{close.school_id}/{close.period}"
        if publications_by_period.get(key) is None:  # kept from the request on: ask_again
            publications_by_period[key] = Collection(close)  # repeats a refused request
        await request_close(close)
    for update in updates:
        await emit(update)


def _decide(topic: str, envelope: Envelope) -> tuple[Close | None, list[Envelope]]:
    """Apply the event to the tables, all or nothing (it raises having changed nothing):
    the close to request, if it is one, and the evaluation updates to send."""
    close = None
    if topic == config.archives_topic and envelope.event_type == "PeriodClosed":
        close = close_of(envelope)
    return close, _score(envelope)


def progress_of(partition: int) -> PartitionProgress:
    """What the partition has applied, for the publication watermark. Every archives position
    delivered on it must be noted, also one that is dead-lettered: a close waits for all."""
    progress = archives_progress_by_partition.get(partition)
    if progress is None:
        progress = archives_progress_by_partition[partition] = PartitionProgress()
    return progress


def _place(envelope: Envelope) -> None:
    """Keep the member's branch (for secretaries' reads)."""
    placed = branch_after(envelope)
    if placed is not None:
        member_id, branch_id = placed
        schools = branches_by_member.get(member_id) or {}
        branches_by_member[member_id] = {**schools, envelope.school_id: branch_id}


def _score(envelope: Envelope) -> list[Envelope]:
    member_id = envelope.data.get("member_id")
    if not isinstance(member_id, str):
        return []
    ledgers = ledgers_by_member.get(member_id)
    fresh = ledgers is None
    ledgers = {} if ledgers is None else ledgers
    updates = scorer.apply(ledgers, envelope)  # raises having changed no ledger
    if fresh and ledgers:
        ledgers_by_member[member_id] = ledgers
    _place(envelope)
    return updates


async def request_close(close: Close, pledges_head: int | None = None) -> None:
    """Ask every partition for its members' snapshots of this close, and its counts."""
    value = json.dumps(close_request(close, pledges_head)).encode()
    for partition in range(settings.partitions):
        await topics.close_requests.send(
            key=close.school_id.encode(), value=value, partition=partition
        )


def _ledgers_of(school_id: str, partition: int) -> list[MemberLedger]:
    found = []
    for member_id, ledgers in list(ledgers_by_member.items()):
        ledger = ledgers.get(school_id)
        if ledger is not None and partition_of(member_id) == partition:
            found.append(ledger)
    return found


@app.agent(topics.close_requests)
async def answer_close_requests(stream: StreamT[bytes]) -> None:
    async for event in stream.events():
        try:
            await _answer_close_request(event)
        except Exception as exc:  # a request it cannot answer: set aside, the agent goes on
            await _park(exc, CLOSE_REQUESTS, event, event_id=_close_id(event.value))


async def _answer_close_request(event: EventT) -> None:
    close, pledges_head = request_from_json(json.loads(event.value))
    partition = event.message.partition
    async with applying:  # snapshots and progress of one moment
        snapshots = [
            member
            for ledger in _ledgers_of(close.school_id, partition)
            if (member := snapshot(scorer, ledger, close)) is not None
        ]
        reply = partition_reply(
            close,
            pledges_head,
            partition,
            archives_progress_by_partition.get(partition) or PartitionProgress(),
            merges.of(partition).pledges_quiet_s(fetch_state),
            snapshots,
        )
    await topics.partition_replies.send(
        key=f"{close.school_id}/{close.period}".encode(), value=json.dumps(reply).encode()
    )


@app.agent(topics.partition_replies)
async def collect_publications(stream: StreamT[bytes]) -> None:
    async for event in stream.events():
        try:
            await _collect(event)
        except Exception as exc:  # a reply it cannot use: set aside, the agent goes on
            await _park(exc, REPLIES, event, event_id=_close_id(event.value))


async def _collect(event: EventT) -> None:
    reply = json.loads(event.value)
    key = bytes(event.key or b"").decode()
    collection = publications_by_period.get(key) or Collection(close_from_json(reply["close"]))
    if collection.issued:
        return
    # Judged on a copy first: a reply that breaks the collection is never kept in it.
    replies = {**collection.replies, str(reply["partition"]): reply}
    candidate = Collection(collection.close, replies, pledges_head=collection.pledges_head)
    ready = candidate.ready(
        settings.partitions, config.pledges_grace_s, ask_pledges=config.ask_pledges_head
    )
    issued = publication_envelope(scorer, candidate) if ready else None
    collection.replies = replies
    publications_by_period[key] = collection
    if issued is not None:
        collection.issued = issued.model_dump_json()
        if await emit(issued):
            log.info("%s issued for %s", issued.stream_id, collection.close.school_id)


async def _park(
    exc: Exception, consumer: str, event: EventT, *, what: str = "cannot apply", event_id: str = ""
) -> None:
    """Set a message this worker read aside as it came, with where it came from."""
    message = event.message
    await dead_letters.park(
        exc,
        what,
        consumer=consumer,
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=event.key,
        value=event.value,
        event_id=event_id,
    )


def _close_id(value: bytes | None) -> str:
    """The PeriodClosed a request or a reply is about: one verdict per close, however often
    the close asks again."""
    try:
        raw = json.loads(value or b"")
        return str(raw.get("close", raw)["event_id"])
    except Exception:
        return ""


@app.timer(config.broker_check_s)
async def watch_broker() -> None:
    """Start over when the broker lost scoring's topics (scoring.stream.broker_watch)."""
    await broker_watch.check(settings.kafka_servers)


@app.timer(config.retry_s)
async def ask_again() -> None:
    """A close still waiting for its watermarks asks every partition again, with the pledges
    head once pledges has told it (asked after the close was recorded: now)."""
    for collection in list(publications_by_period.values()):
        if collection.issued:
            continue
        if config.ask_pledges_head and collection.pledges_head is None:
            collection.pledges_head = await pledges.head(collection.close.school_id)
        await request_close(collection.close, collection.pledges_head)
