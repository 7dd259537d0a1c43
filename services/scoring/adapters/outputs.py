"""What the handlers send, onto scoring's topics through the faust producer: evaluations
and adopted rules (once each: scoring.adapters.emitted), close requests, partition replies,
dead letters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from kernel.envelope import Envelope
from kernel.relay import headers_of
from scoring.adapters.emitted import EmittedLog, PublishedCloses
from scoring.adapters.faust_app import ScoringTopics
from scoring.domain.publication import Close


class TopicOutputs:
    def __init__(
        self,
        topics: ScoringTopics,
        emitted: EmittedLog,
        rules_emitted: EmittedLog,
        closes: PublishedCloses,
    ) -> None:
        self.topics = topics
        self.emitted = emitted
        self.rules_emitted = rules_emitted
        self.closes = closes

    async def published_closes(self) -> Mapping[str, Close]:
        """The closes published on the evaluations topic, once the read in progress is done."""
        await self.emitted.known()
        return self.closes.by_period

    async def emit(self, envelope: Envelope) -> bool:
        """Send to the evaluations topic unless it holds this message already (a replay), with
        the headers the relays put on every event (kernel.relay.headers_of): a client can route
        on the event type and schema version without reading the envelope."""
        key, value = envelope.partition_key.encode(), envelope.to_json()
        headers = headers_of(envelope)
        return await self.emitted.send_new(
            str(envelope.event_id),
            lambda: self.topics.evaluations.send(key=key, value=value, headers=headers),
        )

    async def emit_rules(self, envelope: Envelope) -> bool:
        """Send a RulesAdopted to the rules topic unless it holds it already."""
        key, value = envelope.partition_key.encode(), envelope.to_json()
        headers = headers_of(envelope)
        return await self.rules_emitted.send_new(
            str(envelope.event_id),
            lambda: self.topics.rules.send(key=key, value=value, headers=headers),
        )

    async def send_close_request(self, key: bytes, value: bytes, partition: int) -> None:
        await self.topics.close_requests.send(key=key, value=value, partition=partition)

    async def send_partition_reply(self, key: bytes, value: bytes) -> None:
        await self.topics.partition_replies.send(key=key, value=value)

    def send_dead_letter(
        self, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
    ) -> Awaitable[object]:
        return self.topics.dead_letters.send(key=key, value=value, headers=headers)


def reread_on_replay(logs: tuple[EmittedLog, ...], flush: Callable[[], Awaitable[None]]) -> None:
    """A replay starts: read again what the topics hold before the next send."""
    for log in logs:
        log.reread(flush)
