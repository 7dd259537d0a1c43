"""What one partition has seen of its inputs, for the publication watermark.

Store positions are gapless (each writing service's own), and each event lands on one
partition. A partition keeps the *set* of positions it has applied, of archives and of pledges
(a bitmap in chunks: one bit per store position), and answers a close with how many distinct
positions from 1 to a bound it holds. The answers of all partitions add up to the bound exactly when
every position up to it has been applied somewhere, whatever the order they came in: a
redelivery sets a bit already set, and a republish that puts later positions ahead of earlier
ones (a relay after a broker's loss, a retried produce request) only fills the set in another
order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel.envelope import Envelope

CHUNK_BYTES = 4096  # one chunk: 32,768 consecutive positions


@dataclass
class PositionSet:
    """A set of store positions as a bitmap in chunks, allocated where positions fall: one bit
    per position where they are dense, and a position far ahead (an envelope from an outside
    producer may claim any) costs one chunk, never a bitmap up to it."""

    chunks: dict[int, bytearray] = field(default_factory=dict)  # chunk index -> its bits

    def add(self, position: int | None) -> None:
        if position is None or position < 1:
            return
        chunk, bit = divmod(position, CHUNK_BYTES * 8)
        bits = self.chunks.get(chunk)
        if bits is None:
            bits = self.chunks[chunk] = bytearray(CHUNK_BYTES)
        byte, bit = divmod(bit, 8)
        bits[byte] |= 1 << bit

    def count_up_to(self, position: int) -> int:
        """How many distinct positions from 1 to `position` are in the set."""
        last, bit = divmod(position + 1, CHUNK_BYTES * 8)  # bits 0..position
        count = 0
        for chunk, bits in self.chunks.items():
            if chunk < last:
                count += int.from_bytes(bits, "little").bit_count()
            elif chunk == last and bit:
                count += (int.from_bytes(bits, "little") & ((1 << bit) - 1)).bit_count()
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
