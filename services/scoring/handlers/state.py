"""What the handlers keep. The four tables are faust tables in the worker (rebuilt by replaying
the inputs at every start, scoring.adapters.faust_app) and dicts in tests; the merges, the lock
and the replayed flag are this worker's, for the input partitions it was assigned."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from dataclasses import dataclass, field, fields

from scoring.domain.ledger import MemberLedger
from scoring.domain.roster import MemberRoster
from scoring.handlers.ports import Outputs
from scoring.scorer import Scorer
from scoring.stream.closing import Collection, amendments_due
from scoring.stream.merge import FetchState, Merges
from scoring.stream.progress import PartitionProgress


@dataclass
class Tables:
    """Tables, named for what they hold."""

    # member id → every school's MemberLedger of that member
    ledgers_by_member: MutableMapping[str, dict[str, MemberLedger]]
    # member id → school → the member's roster events (their branch now, for secretaries'
    # reads; who is on the roster of a close, for publications)
    roster_by_member: MutableMapping[str, dict[str, MemberRoster]]
    # input partition → what this partition has seen of the archives and pledges topics
    archives_progress_by_partition: MutableMapping[int, PartitionProgress]
    # `<school>/<period>` → the partition replies collected for a close, then the publication
    publications_by_period: MutableMapping[str, Collection]


TABLE_NAMES = tuple(table.name for table in fields(Tables))


@dataclass
class Partitions:
    """This worker's input partitions: their merges, how far their fetches are, and the lock
    that makes applying events and answering a close one moment each."""

    merges: Merges
    fetch_state: FetchState
    applying: asyncio.Lock = field(default_factory=asyncio.Lock)  # one releaser at a time
    replayed: asyncio.Event = field(default_factory=asyncio.Event)  # inputs read to their end


async def amend(
    scorer: Scorer,
    tables: Tables,
    collection: Collection,
    outputs: Outputs,
    member_id: str | None = None,
) -> None:
    """Issue what a published close owes for appeal facts not yet taken in: those of
    `member_id` (as one arrives) or of every member (as the close is issued)."""
    school_id = collection.close.school_id
    members = tables.ledgers_by_member
    by_member = [members.get(member_id)] if member_id else list(members.values())
    ledgers = [ledger for m in by_member if m and (ledger := m.get(school_id)) is not None]
    due = amendments_due(scorer, collection, ledgers)
    if not due.envelopes and due.appealed == collection.appealed:
        return
    due.keep(collection)
    tables.publications_by_period[f"{school_id}/{collection.close.period}"] = collection
    for envelope in due.envelopes:
        await outputs.emit(envelope)
