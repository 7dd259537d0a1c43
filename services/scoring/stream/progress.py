"""What one partition has seen of its inputs, for the publication watermark.

Archives store positions are gapless, and each lands on one partition. A partition keeps the
*set* of archives positions it has applied (a bitmap: one bit per store position), and
answers a close with how many distinct positions from 1 to the close's it holds. The answers
of all partitions add up to the close's position exactly when every position up to it has been
applied somewhere, whatever the order they came in: a redelivery sets a bit already set, and
a republish that puts later positions ahead of earlier ones (a relay after a broker's loss, a
retried produce request) only fills the set in another order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel.envelope import Envelope


@dataclass
class PartitionProgress:
    archives: bytearray = field(default_factory=bytearray)  # bit p: position p applied here
    pledges_recorded_at: str = ""  # the latest pledges recorded_at applied here

    def note_archives(self, position: int | None) -> None:
        if position is None or position < 1:
            return
        byte, bit = divmod(position, 8)
        if byte >= len(self.archives):
            self.archives.extend(bytes(byte + 1 - len(self.archives)))
        self.archives[byte] |= 1 << bit

    def archives_up_to(self, position: int) -> int:
        """How many distinct archives positions from 1 to `position` were applied here."""
        whole, rest = divmod(position + 1, 8)  # bits 0..position
        count = int.from_bytes(self.archives[:whole], "little").bit_count()
        if rest and whole < len(self.archives):
            count += (self.archives[whole] & ((1 << rest) - 1)).bit_count()
        return count

    def note_pledges(self, envelope: Envelope) -> None:
        recorded = envelope.recorded_at.isoformat()
        if not self.pledges_recorded_at or recorded > self.pledges_recorded_at:
            self.pledges_recorded_at = recorded
