"""The timer that follows the rules topic: a version adopted through another worker reaches
this one within `rules_check_s` (one adopted here is in the rulebook already)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import faust

from kernel.envelope import Envelope
from scoring.handlers.rules import RulesHandler

log = logging.getLogger("vanguard.scoring")


def register(
    app: faust.App,
    rules: RulesHandler,
    read: Callable[[], list[Envelope]],
    every_s: float,
) -> None:
    @app.timer(every_s, name=f"{__name__}.follow_rules")
    async def follow_rules() -> None:
        try:
            found = await asyncio.to_thread(read)
        except Exception as exc:  # the broker may be away: the next round reads again
            log.warning("could not read the rules topic (%s)", exc)
            return
        async with rules.partitions.applying:  # between two facts, never inside one
            taken = rules.take(found)
        if taken:
            log.info("took %d rules versions adopted elsewhere", taken)
