"""The replies agent's job: collect the partitions' replies to a close and issue the
publication once every partition has answered and the watermarks say the input set is
complete (scoring.stream.closing), then the amendments its appeals already owe."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from scoring.handlers.ports import REPLIES, DeadLetters, Delivery, Outputs, close_id, park
from scoring.handlers.state import Tables, amend
from scoring.scorer import Scorer
from scoring.stream.closing import Collection, close_from_json, publication_envelope

log = logging.getLogger("vanguard.scoring")


@dataclass
class RepliesHandler:
    scorer: Scorer
    tables: Tables
    outputs: Outputs
    dead_letters: DeadLetters
    partition_count: int
    pledges_grace_s: float
    ask_pledges_head: bool

    async def collect(self, delivery: Delivery) -> None:
        try:
            await self._collect(delivery)
        except Exception as exc:  # a reply it cannot use: set aside, the agent goes on
            await park(self.dead_letters, exc, REPLIES, delivery, event_id=close_id(delivery.value))

    async def _collect(self, delivery: Delivery) -> None:
        reply = json.loads(delivery.value)
        key = bytes(delivery.key or b"").decode()
        publications = self.tables.publications_by_period
        collection = publications.get(key) or Collection(close_from_json(reply["close"]))
        if collection.issued:
            return
        # Judged on a copy first: a reply that breaks the collection is never kept in it.
        replies = {**collection.replies, str(reply["partition"]): reply}
        candidate = Collection(collection.close, replies, pledges_head=collection.pledges_head)
        ready = candidate.ready(
            self.partition_count, self.pledges_grace_s, ask_pledges=self.ask_pledges_head
        )
        issued = publication_envelope(self.scorer, candidate) if ready else None
        collection.replies = replies
        publications[key] = collection
        if issued is not None:
            collection.issued = issued.model_dump_json()
            if await self.outputs.emit(issued):
                log.info("%s issued for %s", issued.stream_id, collection.close.school_id)
            # Appeals already taken in (a rebuild replays them before the close is issued
            # again): their amendments follow the publication they amend.
            await amend(self.scorer, self.tables, collection, self.outputs)
