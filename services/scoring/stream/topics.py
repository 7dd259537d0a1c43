"""The topics scoring reads and writes. Values are kernel Envelope JSON, keys member ids —
except the two internal topics, which carry close requests and partition replies."""

from __future__ import annotations

from scoring.stream.app import app, config

archives = app.topic(config.archives_topic, key_serializer="raw", value_serializer="raw")
pledges = app.topic(config.pledges_topic, key_serializer="raw", value_serializer="raw")
evaluations = app.topic(config.evaluations_topic, key_serializer="raw", value_serializer="raw")
# A PeriodClosed is copied to every partition here, so each partition reports its members.
close_requests = app.topic(config.internal_topics[0], key_serializer="raw", value_serializer="raw")
# Each partition's report on a close, keyed by `<school>/<period>` for one collector.
partition_replies = app.topic(
    config.internal_topics[1], key_serializer="raw", value_serializer="raw"
)
