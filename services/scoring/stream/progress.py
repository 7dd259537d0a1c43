"""What one partition has seen of its inputs, for the publication watermark.

Archives store positions are gapless and each lands on one partition, in order there. So when
the partitions' counts of distinct positions add up to the highest position any of them has
seen, every position up to it has been applied: that is the contiguous watermark.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from kernel.envelope import Envelope


@dataclass
class PartitionProgress:
    max_position: int = 0
    positions: int = 0  # distinct archives positions applied on this partition
    pledges_recorded_at: str = ""  # the latest pledges recorded_at applied here

    def note_archives(self, position: int | None) -> bool:
        """Count a position once (a redelivery or republish is not above the maximum)."""
        if position is None or position <= self.max_position:
            return False
        self.max_position, self.positions = position, self.positions + 1
        return True

    def note_pledges(self, envelope: Envelope) -> bool:
        recorded = envelope.recorded_at.isoformat()
        if self.pledges_recorded_at and recorded <= self.pledges_recorded_at:
            return False
        self.pledges_recorded_at = recorded
        return True

    def dump(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def load(cls, raw: bytes | None) -> PartitionProgress:
        return cls(**json.loads(raw)) if raw else cls()


class PledgesQuiet:
    """Since when each partition has seen no pledges event (this process's clock)."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._last: dict[int, float] = {}

    def seen(self, partition: int) -> None:
        self._last[partition] = time.monotonic()

    def quiet_s(self, partition: int) -> float:
        return time.monotonic() - self._last.get(partition, self._started)
