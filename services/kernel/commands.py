"""Running a command once: idempotency keys, optimistic concurrency and the stored result.

Every service's handlers go through `CommandExecutor.run`, so "a repeated command with the same
key returns the original result and writes nothing" holds everywhere the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kernel.aggregate import Aggregate
from kernel.envelope import Actor, CommandContext
from kernel.errors import DomainError
from kernel.repository import Repository
from kernel.store import AppendResult, StoredCommand
from kernel.validation import line

IDEMPOTENCY_KEY_MAX = 128


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
        """Decide and append atomically with the key; a repeated command gets its original
        result and writes nothing. `request` is a dataclass (or JSON-able value)
        fingerprinted to spot a key reused for a different request.

        The key is not looked up first: the store refuses a key it holds and answers with the
        original result, so a new command (nearly all) costs no read for it. A repeat whose
        decision now fails (the pledge has moved on since) is told apart by the key then."""
        stored = self._stored(name, request, context, idempotency_key)
        try:
            decision = decide()
        except DomainError:
            earlier = self._recall(stored)
            if earlier is not None:
                return earlier
            raise
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
            command=None
            if stored is None
            else StoredCommand(stored.key, stored.fingerprint, result),
            expected_version=expected_version,
        )
        if appended.replayed:  # the key was taken: the original command's answer
            return replayed(appended.result)
        return AppendResult(appended.stream_id, appended.stream_version, appended.envelopes, result)

    def recall(
        self, name: str, request: Any, context: CommandContext, idempotency_key: str
    ) -> AppendResult | None:
        """The original result of a repeated command, or None. A handler may ask before any
        costly check (another service's answer); racing retries stay safe without it, as the
        store refuses a key it holds."""
        return self._recall(self._stored(name, request, context, idempotency_key))

    def _recall(self, stored: StoredCommand | None) -> AppendResult | None:
        if stored is None:
            return None
        original = self.repository.store.recall(stored.key, stored.fingerprint)
        return None if original is None else replayed(original.result)

    @staticmethod
    def _stored(name: str, request: Any, context: CommandContext, key: str) -> StoredCommand | None:
        if not key:
            return None
        key = line(key, "idempotency_key", max_length=IDEMPOTENCY_KEY_MAX)
        # Hashed: the stored key must not name the caller (sealed ballots carry keys too).
        scoped = StoredCommand.fingerprint_of([context.school_id, context.actor.id, name, key])
        return StoredCommand(scoped, StoredCommand.fingerprint_of(request), {})


def replayed(result: dict[str, Any]) -> AppendResult:
    """A repeated command's answer: the original command's result, nothing appended."""
    return AppendResult(
        stream_id=result.get("stream_id", ""),
        stream_version=int(result.get("stream_version", 0)),
        result=result,
        replayed=True,
    )
