"""What pages read from the services, shared for a moment: many people (and live pages)
asking for the same page at once cause one set of calls, not one each.

An entry is kept per reader — the token's role, subject and branch, so nobody is ever shown
what was read on another's token — for `VANGUARD_WEB_CACHE_SECONDS`. A reader's own
command forgets their entries (the page after it shows the change), and a live page that
was told of a change reads anew (`fresh`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

MAX_ENTRIES = 2_000


class PageCache:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[tuple[str, Hashable], tuple[float, asyncio.Future[Any]]] = {}

    async def get(
        self,
        reader: str,
        key: Hashable,
        load: Callable[[], Awaitable[Any]],
        *,
        fresh: bool = False,
    ) -> Any:
        now = time.monotonic()
        entry = self._entries.get((reader, key))
        if entry is not None and not fresh and (not entry[1].done() or now - entry[0] < self.ttl_s):
            return await asyncio.shield(entry[1])
        if self.ttl_s <= 0:
            return await load()
        future: asyncio.Future[Any] = asyncio.ensure_future(load())
        self._entries[(reader, key)] = (now, future)
        if len(self._entries) > MAX_ENTRIES:
            self._prune(now)
        try:
            return await asyncio.shield(future)
        except BaseException:
            if self._entries.get((reader, key), (0.0, None))[1] is future:
                del self._entries[(reader, key)]  # a failure is not kept
            raise

    def forget(self, reader: str) -> None:
        for entry in [entry for entry in self._entries if entry[0] == reader]:
            del self._entries[entry]

    def _prune(self, now: float) -> None:
        for entry, (at, future) in list(self._entries.items()):
            if future.done() and now - at >= self.ttl_s:
                del self._entries[entry]
