"""The close-requests agent's job: a PeriodClosed is keyed by school and lands on one
partition, so every partition is asked about it (scoring.stream.closing) and answers with a
frozen snapshot of each of its members on the close's roster and how far its inputs are. A
close still waiting for its watermarks asks again, with the pledges head once pledges has told
it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from kafka.partitioner.default import murmur2

from scoring.domain.ledger import MemberLedger
from scoring.domain.publication import Close
from scoring.domain.roster import MemberRoster
from scoring.handlers.ports import (
    CLOSE_REQUESTS,
    DeadLetters,
    Delivery,
    Outputs,
    PledgesHeads,
    close_id,
    park,
)
from scoring.handlers.state import Partitions, Tables
from scoring.scorer import Scorer
from scoring.snapshots import close_snapshots
from scoring.stream.closing import close_request, partition_reply, request_from_json
from scoring.stream.progress import PartitionProgress


def partition_of(key: str, partitions: int) -> int:
    """The partition a member's events are on (the producers' default partitioner)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


@dataclass
class CloseRequestsHandler:
    scorer: Scorer
    tables: Tables
    partitions: Partitions
    outputs: Outputs
    dead_letters: DeadLetters
    pledges: PledgesHeads
    partition_count: int
    ask_pledges_head: bool
    partition_of: Callable[[str, int], int] = partition_of

    async def request(self, close: Close, pledges_head: int | None = None) -> None:
        """Ask every partition for its members' snapshots of this close, and its counts."""
        value = json.dumps(close_request(close, pledges_head)).encode()
        for partition in range(self.partition_count):
            await self.outputs.send_close_request(close.school_id.encode(), value, partition)

    async def ask_again(self) -> None:
        """A close still waiting for its watermarks asks every partition again, with the
        pledges head once pledges has told it (asked after the close was recorded: now)."""
        for collection in list(self.tables.publications_by_period.values()):
            if collection.issued:
                continue
            if self.ask_pledges_head and collection.pledges_head is None:
                collection.pledges_head = await self.pledges.head(collection.close.school_id)
            await self.request(collection.close, collection.pledges_head)

    async def answer(self, delivery: Delivery) -> None:
        try:
            await self._answer_close_request(delivery)
        except Exception as exc:  # a request it cannot answer: set aside, the agent goes on
            event_id = close_id(delivery.value)
            await park(self.dead_letters, exc, CLOSE_REQUESTS, delivery, event_id=event_id)

    async def _answer_close_request(self, delivery: Delivery) -> None:
        close, pledges_head = request_from_json(json.loads(delivery.value))
        partition = delivery.partition
        partitions = self.partitions
        async with partitions.applying:  # snapshots and progress of one moment
            snapshots = close_snapshots(
                self.scorer,
                close,
                self._rosters_of(close.school_id, partition),
                lambda member_id: self._ledger(close.school_id, member_id),
            )
            reply = partition_reply(
                close,
                pledges_head,
                partition,
                self.tables.archives_progress_by_partition.get(partition) or PartitionProgress(),
                partitions.merges.of(partition).pledges_quiet_s(partitions.fetch_state),
                snapshots,
            )
        await self.outputs.send_partition_reply(
            f"{close.school_id}/{close.period}".encode(), json.dumps(reply).encode()
        )

    def _rosters_of(self, school_id: str, partition: int) -> list[MemberRoster]:
        found = []
        for member_id, rosters in list(self.tables.roster_by_member.items()):
            roster = rosters.get(school_id)
            if (
                roster is not None
                and self.partition_of(member_id, self.partition_count) == partition
            ):
                found.append(roster)
        return found

    def _ledger(self, school_id: str, member_id: str) -> MemberLedger | None:
        return (self.tables.ledgers_by_member.get(member_id) or {}).get(school_id)
