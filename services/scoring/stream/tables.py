"""Tables, named for what they hold. Values are JSON bytes (see scoring.domain.ledger and
scoring.stream.progress)."""

from __future__ import annotations

from scoring.stream.app import app

TABLE_NAMES = ("ledgers_by_member", "archives_progress_by_partition", "publications_by_period")

# member id → every school's MemberLedger of that member
ledgers_by_member = app.Table(
    "ledgers_by_member", default=None, key_serializer="raw", value_serializer="raw"
)
# partition number → what this partition has seen of the archives and pledges topics
archives_progress_by_partition = app.Table(
    "archives_progress_by_partition", default=None, key_serializer="raw", value_serializer="raw"
)
# `<school>/<period>` → the partition replies collected for a close, then the publication
publications_by_period = app.Table(
    "publications_by_period", default=None, key_serializer="raw", value_serializer="raw"
)
