"""What one partition has seen of its inputs, for the publication watermark.

Archives store positions are gapless and each lands on one partition, in order there. So when
the partitions' counts of distinct positions add up to the highest position any of them has
seen, every position up to it has been applied: that is the contiguous watermark.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kernel.envelope import Envelope


@dataclass
class PartitionProgress:
    max_position: int = 0
    positions: int = 0  # distinct archives positions applied on this partition
    pledges_recorded_at: str = ""  # the latest pledges recorded_at applied here

    def note_archives(self, position: int | None) -> None:
        """Count a position once (a redelivery or republish is not above the maximum)."""
        if position is not None and position > self.max_position:
            self.max_position, self.positions = position, self.positions + 1

    def note_pledges(self, envelope: Envelope) -> None:
        recorded = envelope.recorded_at.isoformat()
        if not self.pledges_recorded_at or recorded > self.pledges_recorded_at:
            self.pledges_recorded_at = recorded

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
