"""Every published event type in one registry: what a reader of all three topics knows."""

from __future__ import annotations

from contracts import archives, pledges, scoring
from kernel.events import EventRegistry


def published() -> EventRegistry:
    return archives.registry.merge(pledges.registry).merge(scoring.registry)
