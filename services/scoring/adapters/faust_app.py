"""Everything scoring asks of faust (faust-streaming 0.15.3, source in
.venv/lib/python3.11/site-packages/faust) beyond its public API, in one place: each patch
below says which faust behaviour it works around and why. Nothing here runs at import: the
composition root (scoring.bootstrap) calls `create_app`, `derived_tables` and `scoring_topics`.
The benchmark's bare faust agent uses `short_fetches` and `app_options` too, so the two are
measured alike.

Why scoring replays its inputs instead of faust's changelog recovery: a table's changelog is
read back up to the end offsets the broker reports, and the embedded broker (Tansu) answers
ListOffsets with the start of the last record batch plus one. Recovery then stops inside the
last batch; the rest of it arrives after the worker resumed and sits in a recovery buffer, so
the restored tables miss their latest writes while the committed input offsets are already
past the events that made them (measured: ledgers lost facts and reused EvaluationUpdated
versions with other content, the archives watermark never closed again). Replaying the inputs
instead needs no end offsets from ListOffsets and is idempotent: facts are deduplicated by
event id, and every emitted message is deterministic (same merge order, same versions, same
event ids, same bytes), so consumers drop what they already have. So the input topics are
consumed without acks (never committed), and after every assignment (a start or a rebalance:
the client resets its positions then anyway) the consumer seeks each assigned input partition
to its beginning, also past a stale committed offset (an older deployment's); the tables keep
Python objects in memory and write no changelog. The price: start-up (and every rebalance)
takes time in proportion to the input logs; what the evaluations topic already holds is not
sent again (scoring.adapters.emitted).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import aiokafka
import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from kernel.settings import Settings
from kernel.topics import DEAD_LETTERS
from scoring.config import ScoringConfig
from scoring.handlers.ports import Delivery
from scoring.handlers.state import TABLE_NAMES, Tables


def create_app(settings: Settings, config: ScoringConfig) -> faust.App:
    """The worker's faust app: short fetches, inputs replayed from their beginning."""
    short_fetches(settings.fetch_max_wait_ms)
    install_replay(config.input_topics)
    return faust.App(
        config.app_id,
        datadir=str(settings.service_dir("scoring") / "faust"),
        **app_options(settings),
    )


def app_options(settings: Settings) -> dict[str, Any]:
    """faust.App keyword arguments: broker, in-memory store, no web server, raw bytes,
    explicit topics (Tansu would auto-create a missing one with 4 partitions)."""
    return {
        "broker": f"kafka://{settings.kafka_servers.split(',')[0]}",
        "store": "memory://",
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
        "topic_allow_declare": False,
        "web_enabled": False,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "broker_session_timeout": settings.consumer_session_timeout_ms / 1000,
        "broker_heartbeat_interval": max(0.1, settings.consumer_session_timeout_ms / 10000),
        "broker_commit_interval": 0.5,
        "consumer_auto_offset_reset": "earliest",
        "producer_linger": 0.002,
        "stream_buffer_maxsize": 4096,
    }


# -- patch 1: the consumer faust builds (short fetches, a stop that finishes) -----------------


def short_fetches(fetch_max_wait_ms: int) -> None:
    """faust's aiokafka driver builds its consumer with `fetch_max_wait_ms=1500` written into
    the call (`AIOKafkaConsumerThread._create_worker_consumer`), no setting reaches it; Tansu
    holds a fetch for the whole wait, so every fetch of an idle partition cost 1.5 s. The
    driver looks `aiokafka.AIOKafkaConsumer` up in its module global `aiokafka` at call time:
    that global is replaced by a copy of the aiokafka module whose consumer class takes the
    kernel's short wait instead, and stops with `stop_consumer` (patch 2)."""

    class ShortFetchConsumer(aiokafka.AIOKafkaConsumer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["fetch_max_wait_ms"] = fetch_max_wait_ms
            super().__init__(*args, **kwargs)

        async def stop(self) -> None:
            await stop_consumer(self)

    shim = types.SimpleNamespace(**vars(aiokafka))
    shim.AIOKafkaConsumer = ShortFetchConsumer
    faust_aiokafka.aiokafka = shim


# -- patch 2: an aiokafka consumer stop without a broker ---------------------------------------


async def stop_consumer(consumer: aiokafka.AIOKafkaConsumer) -> None:
    """Stop an aiokafka consumer even when the broker is gone. Its fetcher's close awaits the
    fetch tasks it cancels; one sleeping out a failed fetch's backoff re-raises the
    cancellation, stop() ends half-way and faust's consumer thread dies without reporting its
    shutdown, so the worker waited for it forever (aio-libs/aiokafka#647). Reaches aiokafka's
    private `_client` to close what stop() left open. A cancellation of this task itself still
    propagates."""
    try:
        await aiokafka.AIOKafkaConsumer.stop(consumer)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        await consumer._client.close()


# -- patch 3: replay the inputs at every assignment ---------------------------------------------


class ReplayingConsumer(faust_aiokafka.Consumer):
    """faust's `Consumer.perform_seek` (faust/transport/consumer.py) seeks every assigned
    partition to its committed offset after an assignment, and faust offers no hook to seek
    elsewhere: this subclass seeks the replayed topics' partitions to offset 0 after it, and
    says which it replays (`on_replay`) so that the merges and the emitted logs start over."""

    replayed_topics: frozenset[str] = frozenset()
    on_replay: Callable[[set[TP]], None] = staticmethod(lambda tps: None)

    async def perform_seek(self) -> None:
        await super().perform_seek()
        assigned = {tp for tp in self.assignment() if tp.topic in self.replayed_topics}
        type(self).on_replay(assigned)
        # faust's `seek` (ThreadDelegateConsumer._seek) calls aiokafka from this thread while
        # the consumer thread may be inside `Fetcher.fetched_records`: the seek's `del
        # _records[tp]` then races the fetcher's own and crashes the worker with a KeyError
        # (seen after a broker loss). The seek runs on the consumer thread instead.
        await self._thread.call_thread(self._seek_to_start, sorted(assigned))
        for tp in assigned:
            self._read_offset[tp] = None  # what faust's `seek(tp, 0)` sets: reread from there

    async def _seek_to_start(self, partitions: list[TP]) -> None:
        """On the consumer thread: `partitions` from offset 0 (out of range, as in a trimmed
        log, resets to the earliest)."""
        client = self._thread._ensure_consumer()
        for tp in partitions:
            client.seek(tp, 0)

    def fetch_state(self, tp: TP) -> tuple[int | None, int | None]:
        """The highwater of the latest fetch response for `tp` and when it came (ms). faust
        exposes neither the aiokafka client nor its last poll time: reached through faust's
        private consumer thread (`_thread._ensure_consumer()`)."""
        client = self._thread._ensure_consumer()
        if tp not in client.assignment():  # revoked, or not yet assigned: nothing known
            return None, None
        return client.highwater(tp), client.last_poll_timestamp(tp)


def install_replay(topics: tuple[str, ...]) -> type[ReplayingConsumer]:
    """faust's aiokafka `Transport.create_consumer` builds its class attribute `Consumer`: set
    it to ReplayingConsumer, replaying `topics`."""
    ReplayingConsumer.replayed_topics = frozenset(topics)
    faust_aiokafka.Transport.Consumer = ReplayingConsumer
    return ReplayingConsumer


def on_replay(callback: Callable[[set[TP]], None]) -> None:
    """What the consumer calls with the partitions it is about to replay."""
    ReplayingConsumer.on_replay = staticmethod(callback)


def fetch_state(app: faust.App) -> Callable[[str, int], tuple[int | None, int | None]]:
    """Highwater and time of the latest fetch response (never ListOffsets: see
    scoring.stream.merge)."""

    def state(topic: str, partition: int) -> tuple[int | None, int | None]:
        consumer = app.consumer
        assert isinstance(consumer, ReplayingConsumer)
        return consumer.fetch_state(TP(topic, partition))

    return state


def recovered(app: faust.App) -> bool:
    """faust has read the tables' (empty) changelogs back: its `Recovery.completed` event,
    which the `TableManagerT` type does not declare."""
    return bool(app.tables.recovery.completed.is_set())  # type: ignore[attr-defined]


def assigned_partitions(app: faust.App, topics: Container[str]) -> set[int]:
    return {tp.partition for tp in app.consumer.assignment() if tp.topic in topics}


# -- patch 4: tables without changelogs ---------------------------------------------------------


class DerivedTable(faust.Table):
    """faust's `Table.on_key_set`/`on_key_del` (faust/tables/table.py) send every write to the
    table's changelog, and no option turns that off; whatever these tables hold is rebuilt
    from the input topics, so these overrides send nothing and keep only the sensor call (the
    private `_sensor_on_set`/`_sensor_on_del` faust's own methods make). Faust still reads the
    (empty) changelog at assignment."""

    def on_key_set(self, key: Any, value: Any) -> None:
        self._sensor_on_set(self, key, value)

    def on_key_del(self, key: Any) -> None:
        self._sensor_on_del(self, key)


def derived_tables(app: faust.App) -> Tables:
    def table(name: str) -> Any:
        return app.tables.add(DerivedTable(app, name=name, default=None, beacon=app.tables.beacon))

    return Tables(*(table(name) for name in TABLE_NAMES))


# -- topics and messages (public API) ------------------------------------------------------------


@dataclass(frozen=True)
class ScoringTopics:
    """The topics scoring reads and writes. Values are kernel Envelope JSON, keys member ids
    — except the two internal topics, which carry close requests and partition replies."""

    inputs: faust.TopicT  # archives and pledges, read by one agent
    evaluations: faust.TopicT
    rules: faust.TopicT  # RulesAdopted, keyed by `<school>/rules`
    # A PeriodClosed is copied to every partition here, so each partition reports its members.
    close_requests: faust.TopicT
    # Each partition's report on a close, keyed by `<school>/<period>` for one collector.
    partition_replies: faust.TopicT
    dead_letters: faust.TopicT


def scoring_topics(app: faust.App, config: ScoringConfig) -> ScoringTopics:
    def raw(*names: str, **options: Any) -> faust.TopicT:
        return app.topic(*names, key_serializer="raw", value_serializer="raw", **options)

    closes, replies = config.internal_topics
    return ScoringTopics(
        # never committed: every start replays them (install_replay)
        inputs=raw(*config.input_topics, acks=False),
        evaluations=raw(config.evaluations_topic),
        rules=raw(config.rules_topic),
        close_requests=raw(closes),
        partition_replies=raw(replies),
        dead_letters=raw(DEAD_LETTERS),
    )


def delivery_of(event: faust.EventT) -> Delivery:
    message = event.message
    return Delivery(message.topic, message.partition, message.offset, event.key, event.value)
