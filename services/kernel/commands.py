"""Running a command once: idempotency keys, optimistic concurrency and the stored result.

Every service's handlers go through `CommandExecutor.run`, so "a repeated command with the same
key returns the original result and writes nothing" holds everywhere the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kernel.aggregate import Aggregate, Repository
from kernel.envelope import Actor, CommandContext
from kernel.store import AppendResult, StoredCommand


@dataclass(frozen=True)
class Decision:
    """What a command decided: the aggregate with its pending events, the result to remember,
    and (for sealed ballots) the actor the events are recorded under instead of the caller."""

    aggregate: Aggregate
    result: dict[str, Any] = dataclasses.field(default_factory=dict)
    actor: Actor | None = None


class CommandExecutor:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def run(
        self,
        name: str,
        request: Any,
        context: CommandContext,
        decide: Callable[[], Decision],
        *,
        idempotency_key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        """Recall a repeated command, else decide and append atomically with its key.
        `request` is a dataclass (or JSON-able value) fingerprinted to spot a key reused for
        a different request."""
        stored = self._stored(name, request, context, idempotency_key)
        earlier = self._recall(stored)
        if earlier is not None:
            return earlier
        decision = decide()
        aggregate = decision.aggregate
        result = {
            "id": aggregate.id,
            "stream_id": aggregate.stream_id,
            "stream_version": aggregate.version + len(aggregate.pending),
            **decision.result,
        }
        if decision.actor is not None:
            context = context.model_copy(update={"actor": decision.actor})
        appended = self.repository.save(
            aggregate,
            context,
            command=dataclasses.replace(stored, result=result) if stored else None,
            expected_version=expected_version,
        )
        return dataclasses.replace(appended, result=result)

    def recall(
        self, name: str, request: Any, context: CommandContext, idempotency_key: str
    ) -> AppendResult | None:
        """The original result of a repeated command, or None. A handler may ask before any
        costly check (another service's answer); `run` asks again, so racing retries stay
        safe."""
        return self._recall(self._stored(name, request, context, idempotency_key))

    def _recall(self, stored: StoredCommand | None) -> AppendResult | None:
        if stored is None:
            return None
        original = self.repository.store.recall(stored.key, stored.fingerprint)
        return None if original is None else replayed(original)

    @staticmethod
    def _stored(name: str, request: Any, context: CommandContext, key: str) -> StoredCommand | None:
        if not key:
            return None
        # Hashed: the stored key must not name the caller (sealed ballots carry keys too).
        scoped = StoredCommand.fingerprint_of([context.school_id, context.actor.id, name, key])
        return StoredCommand(scoped, StoredCommand.fingerprint_of(request), {})


def replayed(original: StoredCommand) -> AppendResult:
    result = original.result
    return AppendResult(
        stream_id=result.get("stream_id", ""),
        stream_version=int(result.get("stream_version", 0)),
        result=result,
        replayed=True,
    )
