"""Scoring's dead letters: a message an agent cannot apply goes to the dead-letter topic with
the reason (kernel.dead_letters), the original key and bytes, and the agent goes on.

Every start replays the inputs, so the same message meets the same verdict again. It is sent
once: its verdict (consumer, source topic, event id, or partition and offset when no id could
be read) is looked up among the letters already on the topic, read at every assignment like
the evaluations topic (scoring.adapters.emitted). `count` is the number of distinct verdicts
this worker has given since it started: after a restart the replay gives them again, so
status shows the same count.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kafka.errors import KafkaError as KafkaPythonError

from kernel.dead_letters import DeadLetter, reason_of
from kernel.topics import DEAD_LETTERS
from scoring.adapters.emitted import EmittedLog, event_ids_on

log = logging.getLogger("vanguard.scoring")

try:  # the transport's own errors: a broker trouble, not a bad message
    from aiokafka.errors import KafkaError as AioKafkaError
except ImportError:  # pragma: no cover - aiokafka comes with faust's transport
    AioKafkaError = KafkaPythonError

INFRASTRUCTURE = (AioKafkaError, KafkaPythonError)

# sends key, value, headers to the dead-letter topic; answers the acknowledgement's future
Send = Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[object]]


def _verdict_of(record: Any) -> str:
    letter = DeadLetter.from_headers(record.headers or ())
    return "" if letter is None else letter.verdict


class DeadLetterBox:
    def __init__(self, servers: str, send: Send) -> None:
        self.sent = EmittedLog(lambda: event_ids_on(servers, DEAD_LETTERS, id_of=_verdict_of))
        self._send = send
        self.verdicts: set[str] = set()

    @property
    def count(self) -> int:
        return len(self.verdicts)

    async def park(
        self,
        exc: Exception,
        what: str,
        *,
        consumer: str,
        source_topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        event_id: str = "",
    ) -> None:
        """Set a message aside: `what` failed on it with `exc`."""
        if isinstance(exc, INFRASTRUCTURE):
            raise exc  # the broker's trouble: a dead letter would not help, faust retries
        letter = DeadLetter(
            reason_of(what, exc), source_topic, partition, offset, consumer, event_id
        )
        if letter.verdict not in self.verdicts:
            self.verdicts.add(letter.verdict)
            log.warning(
                "%s: dead-lettering %s:%s@%s (%s): %s",
                consumer,
                source_topic,
                partition,
                offset,
                event_id or "no event id",
                letter.reason,
            )
        await self.sent.send_new(
            letter.verdict,
            lambda: self._send(key, value or b"", letter.headers()),
        )
