"""What the handlers send, onto scoring's topics through the faust producer: evaluations
(once each: scoring.adapters.emitted), close requests, partition replies, dead letters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kernel.envelope import Envelope
from kernel.relay import headers_of
from scoring.adapters.emitted import EmittedLog
from scoring.adapters.faust_app import ScoringTopics


class TopicOutputs:
    def __init__(self, topics: ScoringTopics, emitted: EmittedLog) -> None:
        self.topics = topics
        self.emitted = emitted

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
