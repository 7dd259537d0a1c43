"""The overdue sweep: a published pledge past its last due date and not closed is flagged
`PledgeOverdue`, once. `sweep_overdue` is a plain function of its candidates, a loader, a
saver and the day, so it is tested with any clock; the service runs it periodically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from kernel.auth import new_correlation_id
from kernel.envelope import Actor, CommandContext, Role
from kernel.errors import ConcurrencyConflict, NotFound
from pledges.domain.pledge import Pledge
from pledges.handlers.base import HandlerBase

SWEEPER = Actor(id="pledges:overdue-sweep", role=Role.SERVICE)

# (school_id, pledge_id) of a pledge that may be overdue.
Candidate = tuple[str, str]


def sweep_overdue(
    candidates: Iterable[Candidate],
    load: Callable[[str, str], Pledge],
    save: Callable[[Pledge], None],
    today: date,
) -> list[Candidate]:
    """Flag every candidate overdue on `today` (the pledge decides); returns those flagged.
    A pledge gone or changed meanwhile is left to the next sweep."""
    flagged = []
    for school_id, pledge_id in candidates:
        try:
            pledge = load(school_id, pledge_id)
            if pledge.flag_overdue(today):
                save(pledge)
                flagged.append((school_id, pledge_id))
        except (NotFound, ConcurrencyConflict):
            continue
    return flagged


class OverdueHandlers(HandlerBase):
    def sweep_overdue(self, candidates: Iterable[Candidate], today: date) -> list[Candidate]:
        return sweep_overdue(candidates, self._pledge, self._save_as_sweeper, today)

    def _save_as_sweeper(self, pledge: Pledge) -> None:
        context = CommandContext(
            school_id=pledge.school_id, actor=SWEEPER, correlation_id=new_correlation_id()
        )
        self.repository.save(pledge, context)
