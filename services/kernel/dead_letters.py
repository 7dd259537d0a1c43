"""What a dead letter says about itself: the headers every consumer of the suite (the
projections' runner, a stream processor's agents) puts on a message it could not apply, with the
original key and bytes as the message's own key and value (docs/architecture.md#dead-letters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

REASON_MAX = 500  # characters of the reason kept: enough to act on, never a whole payload


def reason_of(what: str, exc: BaseException) -> str:
    """`<what>: <exception class>: <message>`, on one line and bounded (no traceback)."""
    text = " ".join(f"{what}: {type(exc).__name__}: {exc}".split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Why a message was set aside, and where it came from."""

    reason: str
    source_topic: str
    source_partition: int
    source_offset: int
    consumer: str  # who gave up on it: a projection's group id, or a stream agent
    event_id: str = ""  # when the envelope could be read

    def headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("reason", self.reason[:REASON_MAX].encode()),
            ("source_topic", self.source_topic.encode()),
            ("source_partition", str(self.source_partition).encode()),
            ("source_offset", str(self.source_offset).encode()),
            ("consumer", self.consumer.encode()),
        ]
        if self.event_id:
            headers.append(("event_id", self.event_id.encode()))
        return headers

    @property
    def verdict(self) -> str:
        """What the letter is about, the same on every replay of the same log: the event id
        when known (a republished copy at another offset is the same event), else its place."""
        about = self.event_id or f"{self.source_partition}@{self.source_offset}"
        return f"{self.consumer}|{self.source_topic}|{about}"

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes | None]]) -> DeadLetter | None:
        """Read back; None for a message without the headers a dead letter carries."""
        found = {key: (value or b"").decode(errors="replace") for key, value in headers}
        try:
            return cls(
                reason=found["reason"],
                source_topic=found["source_topic"],
                source_partition=int(found["source_partition"]),
                source_offset=int(found["source_offset"]),
                consumer=found["consumer"],
                event_id=found.get("event_id", ""),
            )
        except (KeyError, ValueError):
            return None
