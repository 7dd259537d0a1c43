"""The pledges service layer: one handler per command. Each checks who may do it, validates
the input (naming the field at fault), lets the aggregate decide, and appends through the
kernel's `CommandExecutor`. No gRPC, no Kafka, no SQL."""

from __future__ import annotations

from pledges.handlers.fulfilment import FulfilmentHandlers
from pledges.handlers.overdue import OverdueHandlers
from pledges.handlers.plan import PlanHandlers
from pledges.handlers.supervision import SupervisionHandlers

__all__ = ["PledgesHandlers"]


class PledgesHandlers(PlanHandlers, FulfilmentHandlers, SupervisionHandlers, OverdueHandlers):
    """Every pledges command, sharing one repository and executor (`HandlerBase`)."""
