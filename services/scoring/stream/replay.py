"""Scoring's state is derived from its input topics, and rebuilt from them at every start.

Why not faust's changelog recovery: a table's changelog is read back up to the end offsets the
broker reports, and the embedded broker (Tansu) answers ListOffsets with the start of the
last record batch plus one. Recovery then stops inside the last batch; the rest of it arrives
after the worker resumed and sits in a recovery buffer, so the restored tables miss their
latest writes while the committed input offsets are already past the events that made them
(measured: ledgers lost facts and reused EvaluationUpdated versions with other content, the
archives watermark never closed again). Replaying the inputs instead needs no end offsets
from ListOffsets and is idempotent: facts are deduplicated by event id, and every emitted
message is deterministic (same merge order, same versions, same event ids, same bytes), so
consumers drop what they already have.

Here: the input topics are consumed without acks (never committed), and after every
assignment (a start or a rebalance: the client resets its positions then anyway) the consumer
seeks each assigned input partition to its beginning, also past a stale committed offset (an
older deployment's).

The price: start-up (and every rebalance) takes time in proportion to the input logs. The
replay recomputes every EvaluationUpdated and PublicationIssued, byte for byte the same; what
the evaluations topic already holds is not sent again (scoring.stream.emitted).
"""

from __future__ import annotations

from collections.abc import Callable

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP


class ReplayingConsumer(faust_aiokafka.Consumer):
    replayed_topics: frozenset[str] = frozenset()
    on_replay: Callable[[set[TP]], None] = staticmethod(lambda tps: None)

    async def perform_seek(self) -> None:
        await super().perform_seek()
        assigned = {tp for tp in self.assignment() if tp.topic in self.replayed_topics}
        type(self).on_replay(assigned)
        for tp in sorted(assigned):
            await self.seek(tp, 0)  # out of range (a trimmed log) resets to the earliest

    def fetch_state(self, tp: TP) -> tuple[int | None, int | None]:
        """The highwater of the latest fetch response for `tp` and when it came (ms).
        (faust exposes neither the client nor its last poll time: reached through the
        consumer thread.)"""
        client = self._thread._ensure_consumer()
        if tp not in client.assignment():  # revoked, or not yet assigned: nothing known
            return None, None
        return client.highwater(tp), client.last_poll_timestamp(tp)


def install(topics: tuple[str, ...]) -> type[ReplayingConsumer]:
    """Make faust's aiokafka transport build ReplayingConsumer, replaying `topics`."""
    ReplayingConsumer.replayed_topics = frozenset(topics)
    faust_aiokafka.Transport.Consumer = ReplayingConsumer
    return ReplayingConsumer
