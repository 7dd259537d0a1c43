"""The faust agents and timers: each turns what faust delivers into plain values and hands it
to its handler (scoring.handlers), which applies it to the domain. Data flows one way:
agent → handler → domain; what a handler sends goes out through the adapters it was given.
Registered on the app by the composition root (scoring.bootstrap), never at import."""

from __future__ import annotations

from dataclasses import dataclass

import faust

from scoring.adapters.broker_watch import BrokerWatch
from scoring.adapters.faust_app import (
    ScoringTopics,
    assigned_partitions,
    delivery_of,
    recovered,
)
from scoring.config import ScoringConfig
from scoring.handlers.close_requests import CloseRequestsHandler
from scoring.handlers.inputs import InputsHandler
from scoring.handlers.replies import RepliesHandler


@dataclass(frozen=True)
class Handlers:
    inputs: InputsHandler
    close_requests: CloseRequestsHandler
    replies: RepliesHandler


def register(
    app: faust.App,
    topics: ScoringTopics,
    handlers: Handlers,
    broker: BrokerWatch,
    config: ScoringConfig,
) -> None:
    inputs, close_requests, replies = handlers.inputs, handlers.close_requests, handlers.replies

    @app.agent(topics.inputs, name=f"{__name__}.score_members")
    async def score_members(stream: faust.StreamT[bytes]) -> None:
        """Score members as archives and pledges events arrive."""
        async for event in stream.events():
            await inputs.deliver(delivery_of(event))

    @app.timer(0.01, name=f"{__name__}.release_waiting")
    async def release_waiting() -> None:
        """Events held for the other topic go once it is caught up (its fetch came back
        empty); the worker reports SERVING once its replay has reached the end of every
        input."""
        await inputs.release_waiting()
        if not inputs.partitions.replayed.is_set() and recovered(app):
            inputs.note_replayed(assigned_partitions(app, topics.inputs.topics))

    @app.agent(topics.close_requests, name=f"{__name__}.answer_close_requests")
    async def answer_close_requests(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await close_requests.answer(delivery_of(event))

    @app.agent(topics.partition_replies, name=f"{__name__}.collect_publications")
    async def collect_publications(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await replies.collect(delivery_of(event))

    @app.timer(config.broker_check_s, name=f"{__name__}.watch_broker")
    async def watch_broker() -> None:
        """Start over when the broker lost scoring's topics (scoring.adapters.broker_watch)."""
        await broker.check()

    @app.timer(config.retry_s, name=f"{__name__}.ask_again")
    async def ask_again() -> None:
        await close_requests.ask_again()
