"""What one partition has seen of its inputs, for the publication watermark.

Store positions are gapless (each writing service's own), and each event lands on one
partition. A partition keeps the *set* of positions it has applied, of archives and of pledges
(a bitmap: one bit per store position), and answers a close with how many distinct positions
from 1 to a bound it holds. The answers of all partitions add up to the bound exactly when
every position up to it has been applied somewhere, whatever the order they came in: a
redelivery sets a bit already set, and a republish that puts later positions ahead of earlier
ones (a relay after a broker's loss, a retried produce request) only fills the set in another
order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel.envelope import Envelope


@dataclass
class PositionSet:
    bits: bytearray = field(default_factory=bytearray)  # bit p: position p applied here

    def add(self, position: int | None) -> None:
        if position is None or position < 1:
            return
        byte, bit = divmod(position, 8)
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits)))
        self.bits[byte] |= 1 << bit

    def count_up_to(self, position: int) -> int:
        """How many distinct positions from 1 to `position` are in the set."""
        whole, rest = divmod(position + 1, 8)  # bits 0..position
        count = int.from_bytes(self.bits[:whole], "little").bit_count()
        if rest and whole < len(self.bits):
            count += (self.bits[whole] & ((1 << rest) - 1)).bit_count()
        return count


@dataclass
class PartitionProgress:
    archives: PositionSet = field(default_factory=PositionSet)
    pledges: PositionSet = field(default_factory=PositionSet)
    pledges_recorded_at: str = ""  # the latest pledges recorded_at applied here

    def note_archives(self, position: int | None) -> None:
        self.archives.add(position)

    def archives_up_to(self, position: int) -> int:
        return self.archives.count_up_to(position)

    def note_pledges(self, envelope: Envelope) -> None:
        self.pledges.add(envelope.position)
        recorded = envelope.recorded_at.isoformat()
        if not self.pledges_recorded_at or recorded > self.pledges_recorded_at:
            self.pledges_recorded_at = recorded

    def pledges_up_to(self, position: int) -> int:
        return self.pledges.count_up_to(position)
