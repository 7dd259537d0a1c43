"""Scoring's journal of the rules versions it adopted: `rules-journal.jsonl` in scoring's data
directory (`VANGUARD_DATA_DIR`/scoring), one RulesAdopted envelope per line.

Scoring has no event store, and the broker may lose what it was sent (the embedded broker is
memory-only). An adoption is acknowledged only once its line is on disk (written and fsynced),
so every acknowledged adoption survives a crash and a broker loss: at every start scoring reads
the journal back and sends the rules topic what it lacks (scoring.adapters.rules_topic). A line
cut short by a crash while it was written was never acknowledged and is skipped.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kernel.envelope import Envelope

log = logging.getLogger("vanguard.scoring")
FILE_NAME = "rules-journal.jsonl"


class RulesJournal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[Envelope]:
        if not self.path.exists():
            return []
        envelopes = []
        for number, line in enumerate(self.path.read_bytes().splitlines(), start=1):
            try:
                envelopes.append(Envelope.from_json(line))
            except ValueError:
                log.warning(
                    "%s line %d is not an envelope (cut short?); skipped", self.path, number
                )
        return envelopes

    def append(self, envelope: Envelope) -> None:
        """Write one adoption and wait until it is on disk."""
        new = not self.path.exists()
        with self.path.open("ab") as journal:
            journal.write(envelope.to_json() + b"\n")
            journal.flush()
            os.fsync(journal.fileno())
        if new:  # the directory entry of a new file must reach the disk too
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
