"""What every service's command handlers share: the repository and executor over the
service's event registry, the caller's context, the caller's expected version, and running a
decision once (through `CommandExecutor`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from kernel.aggregate import Aggregate
from kernel.auth import Principal, require_school
from kernel.commands import CommandExecutor, Decision
from kernel.envelope import CommandContext
from kernel.errors import ConcurrencyConflict
from kernel.events import EventRegistry
from kernel.repository import Repository
from kernel.store import AppendResult, EventStore


def new_id(prefix: str) -> str:
    """A new aggregate id: the prefix and 12 random hex digits."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class HandlerBase:
    def __init__(
        self,
        store: EventStore,
        registry: EventRegistry,
        *,
        today: Callable[[], date] = date.today,
        correlation_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.repository = Repository(store, registry)
        self.executor = CommandExecutor(self.repository)
        self.today = today
        self.correlation_id = correlation_id

    def _context(self, principal: Principal, school_id: str) -> CommandContext:
        """The command's context; the caller must belong to the school it names."""
        require_school(principal, school_id)
        return CommandContext(
            school_id=school_id, actor=principal.actor, correlation_id=self.correlation_id()
        )

    @staticmethod
    def _at_version(aggregate: Aggregate, expected: int | None) -> None:
        """A stale writer learns it is stale (ABORTED), whatever the rules would say of the
        newer state it has not seen."""
        if expected is not None and expected != aggregate.version:
            raise ConcurrencyConflict(
                f"{aggregate.kind} {aggregate.id} is at version {aggregate.version}, "
                f"expected {expected}",
                field="expected_version",
            )

    def _run(
        self,
        name: str,
        cmd: Any,
        context: CommandContext,
        decide: Callable[[], Decision],
        key: str,
        expected: int | None = None,
    ) -> AppendResult:
        """Decide and append once per idempotency key, at the caller's expected version."""
        return self.executor.run(
            name, cmd, context, decide, idempotency_key=key, expected_version=expected
        )
