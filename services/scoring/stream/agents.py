"""The agents: score members as archives and pledges events arrive, answer close requests
per partition, collect the answers into publications, and ask again while one waits."""

from __future__ import annotations

import json
import logging
from typing import Any

from faust import StreamT
from kafka.partitioner.default import murmur2

from kernel.envelope import Envelope
from kernel.topics import DEAD_LETTERS
from scoring.domain.ledger import dump_ledgers, load_ledgers
from scoring.domain.rulebook import RuleBook
from scoring.scorer import Scorer
from scoring.snapshots import snapshot
from scoring.stream import topics
from scoring.stream.app import app, config, settings
from scoring.stream.closing import (
    Collection,
    close_from_json,
    close_of,
    close_to_json,
    publication_envelope,
    snapshot_to_json,
)
from scoring.stream.progress import PartitionProgress, PledgesQuiet
from scoring.stream.tables import (
    archives_progress_by_partition,
    ledgers_by_member,
    publications_by_period,
)

log = logging.getLogger("vanguard.scoring")
scorer = Scorer(RuleBook(config.rules_dir), config.year_start_month)
pledges_quiet = PledgesQuiet()
inputs = app.topic(
    config.archives_topic, config.pledges_topic, key_serializer="raw", value_serializer="raw"
)
dead_letters = app.topic(DEAD_LETTERS, key_serializer="raw", value_serializer="raw")


def partition_of(key: str) -> int:
    """The partition a member's events are on (the producers' default partitioner)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % settings.partitions


@app.agent(inputs)
async def score_members(stream: StreamT[bytes]) -> None:
    async for event in stream.events():
        try:
            envelope = Envelope.from_json(event.value)
        except ValueError as exc:
            await dead_letters.send(
                key=event.key, value=event.value, headers={"reason": str(exc).encode()[:500]}
            )
            continue
        partition = event.message.partition
        _note_progress(partition, event.message.topic, envelope)
        if envelope.event_type == "PeriodClosed" and event.message.topic == config.archives_topic:
            await request_close(close_to_json(close_of(envelope)))
        await _score(envelope)


def _note_progress(partition: int, topic: str, envelope: Envelope) -> None:
    key = str(partition).encode()
    progress = PartitionProgress.load(archives_progress_by_partition[key])
    if topic == config.archives_topic:
        changed = progress.note_archives(envelope.position)
    else:
        pledges_quiet.seen(partition)
        changed = progress.note_pledges(envelope)
    if changed:
        archives_progress_by_partition[key] = progress.dump()


async def _score(envelope: Envelope) -> None:
    member_id = envelope.data.get("member_id")
    if not isinstance(member_id, str):
        return
    key = member_id.encode()
    ledgers = load_ledgers(ledgers_by_member[key])
    known = {school: len(ledger.facts) for school, ledger in ledgers.items()}
    for update in scorer.apply(ledgers, envelope):
        await topics.evaluations.send(key=update.partition_key.encode(), value=update.to_json())
    if {school: len(ledger.facts) for school, ledger in ledgers.items()} != known:
        ledgers_by_member[key] = dump_ledgers(ledgers)


async def request_close(close: dict[str, Any]) -> None:
    """Ask every partition for its members' snapshots of this close."""
    value = json.dumps(close).encode()
    for partition in range(settings.partitions):
        await topics.close_requests.send(
            key=close["school_id"].encode(), value=value, partition=partition
        )


@app.agent(topics.close_requests)
async def answer_close_requests(stream: StreamT[bytes]) -> None:
    async for event in stream.events():
        close = close_from_json(json.loads(event.value))
        partition = event.message.partition
        snapshots = []
        for key, raw in list(ledgers_by_member.items()):
            ledger = load_ledgers(raw).get(close.school_id)
            if ledger is None or partition_of(key.decode()) != partition:
                continue
            if (member := snapshot(scorer, ledger, close)) is not None:
                snapshots.append(snapshot_to_json(member))
        progress = PartitionProgress.load(archives_progress_by_partition[str(partition).encode()])
        reply = {
            "close": close_to_json(close),
            "partition": partition,
            "progress": progress.__dict__,
            "pledges_quiet_s": pledges_quiet.quiet_s(partition),
            "snapshots": snapshots,
        }
        await topics.partition_replies.send(
            key=f"{close.school_id}/{close.period}".encode(), value=json.dumps(reply).encode()
        )


@app.agent(topics.partition_replies)
async def collect_publications(stream: StreamT[bytes]) -> None:
    async for event in stream.events():
        reply = json.loads(event.value)
        raw = publications_by_period[event.key]
        collection = Collection.load(raw) if raw else Collection(close_from_json(reply["close"]))
        if collection.issued:
            continue
        collection.replies[str(reply["partition"])] = reply
        if collection.ready(settings.partitions, config.pledges_grace_s):
            issued = publication_envelope(scorer, collection)
            await topics.evaluations.send(key=issued.partition_key.encode(), value=issued.to_json())
            collection.issued = issued.model_dump_json()
            log.info("%s issued for %s", issued.stream_id, collection.close.school_id)
        publications_by_period[event.key] = collection.dump()


_resent_after_start = False


@app.timer(config.retry_s)
async def ask_again() -> None:
    """Pending closes ask every partition again; after a start, issued publications are sent
    once more (same bytes, same event id) in case a crash came before the first send landed."""
    global _resent_after_start
    for _, raw in list(publications_by_period.items()):
        collection = Collection.load(raw)
        if not collection.issued:
            await request_close(close_to_json(collection.close))
        elif not _resent_after_start:
            issued = Envelope.model_validate_json(collection.issued)
            await topics.evaluations.send(key=issued.partition_key.encode(), value=issued.to_json())
    _resent_after_start = True
