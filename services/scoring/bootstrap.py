"""Scoring's one composition root: `build` makes the faust app (its patches, tables, topics),
the handlers and the adapters they send through, registers the agents, timers and the gRPC
task, and answers the worker `python -m scoring` runs. Nothing is made before `build` is
called. `topics_to_create` lists every topic the worker needs, made explicitly with the
configured partition count before it starts (Tansu would auto-create them with 4)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import faust
from faust.types import TP
from kafka.errors import KafkaError

from contracts.endpoints import SuiteSettings
from contracts.topics import PUBLISHED
from kernel.grpc.server import ServiceRegistration
from kernel.topic_reader import TopicNotRead
from kernel.topics import (
    DEAD_LETTERS,
    TopicShape,
    ensure_topics,
    replace_topics,
    topic_counts,
    topic_shapes,
)
from scoring.adapters import faust_app
from scoring.adapters.broker_watch import BrokerWatch
from scoring.adapters.dead_letters import DeadLetterBox
from scoring.adapters.emitted import EmittedLog, PublishedCloses, event_ids_on
from scoring.adapters.outputs import TopicOutputs, reread_on_replay
from scoring.adapters.pledges_head import PledgesHead
from scoring.adapters.rules_journal import FILE_NAME, RulesJournal
from scoring.adapters.rules_topic import adoptions_on, send_missing
from scoring.config import ScoringConfig
from scoring.domain.rulebook import RuleBook
from scoring.entrypoints import agents, grpc_server, rules_feed
from scoring.entrypoints.grpc_api import ScoringApi
from scoring.handlers.close_requests import CloseRequestsHandler
from scoring.handlers.inputs import InputsHandler
from scoring.handlers.replies import RepliesHandler
from scoring.handlers.rules import RulesHandler
from scoring.handlers.state import TABLE_NAMES, Partitions, Tables
from scoring.readmodel.ledgers import TableLedgers, WorkerStatus
from scoring.scorer import Scorer
from scoring.stream.merge import Merges
from vanguard.scoring.v1 import scoring_pb2_grpc

SERVICE_NAME = "vanguard.scoring.v1.ScoringService"
INPUTS_WAIT_S = 60.0
log = logging.getLogger("vanguard.scoring")


def _counts(servers: str) -> dict[str, int]:
    """The topics' partition counts; waits, saying so, while the broker is down (it may be
    down for long, or restarting)."""
    while True:
        try:
            return topic_counts(servers)
        except KafkaError as exc:
            log.warning("broker %s not reachable (%s); retrying", servers, exc)
            time.sleep(0.5)


def prepare_topics(settings: SuiteSettings, config: ScoringConfig) -> dict[str, TopicShape]:
    """Create every topic the worker needs; answer the inputs and scoring's own topics as
    they are then (scoring.adapters.broker_watch starts over when one of them changes). One of
    scoring's own topics found with another partition count was auto-created by a client that
    asked for it by name on a broker that had lost it: it holds nothing that a replay does not
    send again, so it is replaced. An input topic with another count is its relay's to
    replace: wait for that."""
    servers, partitions = settings.kafka_servers, settings.partitions
    owned = config.owned_topics(TABLE_NAMES)
    deadline = time.monotonic() + INPUTS_WAIT_S
    while True:
        debris = tuple(t for t in owned if _counts(servers).get(t, partitions) != partitions)
        try:
            if debris:
                log.warning("replacing %s: auto-created with the wrong partition count", debris)
                replace_topics(servers, debris, partitions=partitions)
            ensure_topics(
                servers,
                topics_to_create(config),
                partitions=partitions,
                replication_factor=settings.replication_factor,
            )
            break
        except RuntimeError as exc:
            # An input topic with the wrong count is its relay's to replace: wait for that.
            # One of ours again: a client asking for it by name (archives' consumer reads the
            # evaluations) had the broker auto-create it between our delete and create.
            if time.monotonic() > deadline:
                raise
            log.warning("%s; trying again", exc)
            time.sleep(1.0)
    shapes = topic_shapes(servers)
    depends_on = (*config.input_topics, config.rules_topic, *owned)
    return {topic: shapes[topic] for topic in depends_on if topic in shapes}


def topics_to_create(config: ScoringConfig) -> tuple[str, ...]:
    every = (
        *PUBLISHED,
        DEAD_LETTERS,
        *config.input_topics,
        config.rules_topic,
        *config.owned_topics(TABLE_NAMES),
    )
    return tuple(dict.fromkeys(every))


@dataclass(frozen=True)
class ScoringWorker:
    """The faust app, ready to run, and what `python -m scoring` needs next to it."""

    settings: SuiteSettings
    config: ScoringConfig
    app: faust.App
    broker_watch: BrokerWatch
    scorer: Scorer
    tables: Tables
    dead_letters: DeadLetterBox
    rules: RulesHandler
    journal: RulesJournal


def build(settings: SuiteSettings, config: ScoringConfig) -> ScoringWorker:
    """The faust app with its tables, agents, timers and the gRPC task."""
    servers = settings.kafka_servers
    app = faust_app.create_app(settings, config)
    topics = faust_app.scoring_topics(app, config)
    tables = faust_app.derived_tables(app)
    scorer = Scorer(RuleBook(config.rules_dir), config.year_start_month)
    closes = PublishedCloses()
    emitted = EmittedLog(lambda: event_ids_on(servers, config.evaluations_topic, also=closes.note))
    rules_emitted = EmittedLog(lambda: event_ids_on(servers, config.rules_topic))
    outputs = TopicOutputs(topics, emitted, rules_emitted, closes)
    dead_letters = DeadLetterBox(servers, outputs.send_dead_letter)
    merges = Merges(*config.input_topics, round(config.merge_hold_s * 1000))
    partitions = Partitions(merges, faust_app.fetch_state(app))
    pledges = PledgesHead(
        f"{config.pledges_host}:{settings.pledges_port}",
        settings.token_secret.get_secret_value(),
        timeout_s=config.pledges_timeout_s,
    )
    close_requests = CloseRequestsHandler(
        scorer,
        tables,
        partitions,
        outputs,
        dead_letters,
        pledges,
        partition_count=settings.partitions,
        ask_pledges_head=config.ask_pledges_head,
    )
    inputs = InputsHandler(
        config.archives_topic,
        scorer,
        tables,
        partitions,
        outputs,
        dead_letters,
        request_close=close_requests.request,
    )
    replies = RepliesHandler(
        scorer,
        tables,
        outputs,
        dead_letters,
        partition_count=settings.partitions,
        pledges_grace_s=config.pledges_grace_s,
        ask_pledges_head=config.ask_pledges_head,
    )

    def replay_from_start(tps: set[TP]) -> None:
        inputs.replay_from_start({tp.partition for tp in tps})
        reread_on_replay((emitted, rules_emitted, dead_letters.sent), app.producer.flush)

    faust_app.on_replay(replay_from_start)
    broker_watch = BrokerWatch(servers)
    handlers = agents.Handlers(inputs, close_requests, replies)
    agents.register(app, topics, handlers, broker_watch, config)
    journal = RulesJournal(settings.service_dir("scoring") / FILE_NAME)
    rules = RulesHandler(scorer, tables, partitions, journal, outputs.emit_rules)
    rules_feed.register(
        app, rules, lambda: adoptions_on(servers, config.rules_topic), config.rules_check_s
    )
    worker = ScoringWorker(
        settings, config, app, broker_watch, scorer, tables, dead_letters, rules, journal
    )
    grpc_server.register(app, settings, lambda: registrations(worker), partitions.replayed)
    return worker


def recover_rules(worker: ScoringWorker) -> None:
    """Before the replay: every adopted rules version, from the journal and the rules topic,
    in the rulebook; what the topic lost (a broker restarted empty) sent to it again."""
    servers, topic = worker.settings.kafka_servers, worker.config.rules_topic
    journal = worker.journal.read()
    worker.rules.take(journal)
    try:
        on_topic = adoptions_on(servers, topic)
    except TopicNotRead as exc:  # the journal holds what this worker adopted; the feed follows
        log.warning("could not read the adopted rules on %s (%s)", topic, exc)
        on_topic = []
    worker.rules.take(on_topic)
    send_missing(servers, topic, journal, {str(e.event_id) for e in on_topic})


def registrations(worker: ScoringWorker) -> Sequence[ServiceRegistration]:
    status = WorkerStatus(worker.tables, worker.dead_letters)
    api = ScoringApi(status, worker.scorer, TableLedgers(worker.tables), worker.rules)
    return [
        ServiceRegistration(
            SERVICE_NAME, scoring_pb2_grpc.add_ScoringServiceServicer_to_server, api
        )
    ]
