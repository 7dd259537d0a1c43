"""The periodic trigger of the overdue sweep: a small asyncio task the runtime starts once it
is ready. Candidates come from the read model; each pledge decides for itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from pledges.handlers import PledgesHandlers
from pledges.handlers.overdue import Candidate
from pledges.readmodel.queries import PledgesQueries

log = logging.getLogger("vanguard.pledges.overdue")


class OverdueSweeper:
    def __init__(
        self,
        handlers: PledgesHandlers,
        queries: PledgesQueries,
        *,
        interval_s: float,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.handlers = handlers
        self.queries = queries
        self.interval_s = interval_s
        self.today = today

    def sweep_once(self, today: date | None = None) -> list[Candidate]:
        day = today or self.today()
        flagged = self.handlers.sweep_overdue(self.queries.overdue_candidates(day), day)
        if flagged:
            log.info("flagged %d pledge(s) overdue on %s", len(flagged), day)
        return flagged

    async def run(self) -> None:
        """Sweep now and every `interval_s` until cancelled; a failed sweep is logged and
        the next one tries again."""
        while True:
            try:
                self.sweep_once()
            except Exception:
                log.exception("overdue sweep failed; retrying in %.0f s", self.interval_s)
            await asyncio.sleep(self.interval_s)
