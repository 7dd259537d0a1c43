"""Tables, named for what they hold. Their content is derived from the input topics and
rebuilt by replaying them at every start (see scoring.stream.replay), so they keep Python
objects in memory and write no changelog."""

from __future__ import annotations

from typing import Any

import faust

from scoring.domain.ledger import MemberLedger
from scoring.stream.app import app
from scoring.stream.closing import Collection
from scoring.stream.progress import PartitionProgress

TABLE_NAMES = (
    "ledgers_by_member",
    "branches_by_member",
    "archives_progress_by_partition",
    "publications_by_period",
)


class DerivedTable(faust.Table):
    """A faust table that sends nothing to its changelog: whatever it holds is rebuilt from
    the input topics. Faust still reads the (empty) changelog at assignment."""

    def on_key_set(self, key: Any, value: Any) -> None:
        self._sensor_on_set(self, key, value)

    def on_key_del(self, key: Any) -> None:
        self._sensor_on_del(self, key)


def _table(name: str) -> Any:
    return app.tables.add(DerivedTable(app, name=name, default=None, beacon=app.tables.beacon))


# member id → every school's MemberLedger of that member
ledgers_by_member: dict[str, dict[str, MemberLedger]] = _table("ledgers_by_member")
# member id → school → the branch the member is in now (for secretaries' reads)
branches_by_member: dict[str, dict[str, str]] = _table("branches_by_member")
# input partition → what this partition has seen of the archives and pledges topics
archives_progress_by_partition: dict[int, PartitionProgress] = _table(
    "archives_progress_by_partition"
)
# `<school>/<period>` → the partition replies collected for a close, then the publication
publications_by_period: dict[str, Collection] = _table("publications_by_period")
