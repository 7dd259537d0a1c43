"""Pages that update themselves (实时): Server-Sent Events tell an open page that what it
shows has changed, and the page fetches itself again (static/live.js) — no reload.

- An archive: archives' WatchArchive stream for that member (SDK `watch`), on the user's
  own token, so only who may read the archive is told of its changes; and the page's data
  polled as below (what changed before the watch opened, and the pledges service's part).
- The board, the dashboard and a work queue: the server asks the services every
  `VANGUARD_WEB_POLL_SECONDS` for the page's data and says `changed` when it differs.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any

from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from kernel.envelope import Role
from vanguard_sdk import VanguardError
from web.committee import dashboard_data
from web.core import Visit
from web.member import archive_data
from web.public import board_data
from web.secretary import branch_of, queue_data
from web.signin import forbidden

PING_S = 15


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(repr(sorted(data.items(), key=lambda kv: kv[0])).encode()).hexdigest()


async def _polled(
    visit: Visit, key: Hashable, load: Callable[[], Awaitable[dict[str, Any]]]
) -> AsyncIterator[dict[str, str]]:
    """Ask (through the page cache: open pages of one reader share the calls) every
    `VANGUARD_WEB_POLL_SECONDS`; say `changed` when the data differs from the last time."""
    seen = ""
    every_s = visit.web.settings.web_poll_seconds
    while not await visit.request.is_disconnected():
        try:
            now = _fingerprint(await visit.cached(key, load))
        except VanguardError:
            now = seen  # a service restarting: say nothing until it answers again
        if seen and now != seen:
            yield {"event": "changed", "data": now[:12]}
        seen = now
        await asyncio.sleep(every_s)


def _stream(source: AsyncIterator[dict[str, str]]) -> Response:
    return EventSourceResponse(source, ping=PING_S)


async def board(request: Request) -> Response:
    visit = Visit.of(request)
    return _stream(_polled(visit, ("board", ""), lambda: board_data(visit)))


async def dashboard(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.COMMITTEE):
        return forbidden(visit)
    return _stream(_polled(visit, ("dashboard",), lambda: dashboard_data(visit.client)))


async def queue(request: Request) -> Response:
    visit = Visit.of(request)
    if not visit.is_(Role.SECRETARY, Role.COMMITTEE):
        return forbidden(visit)
    branch = branch_of(visit)
    return _stream(_polled(visit, ("queue", branch), lambda: queue_data(visit.client, branch)))


async def archive(request: Request) -> Response:
    visit = Visit.of(request)
    if visit.account is None:
        return forbidden(visit)
    member_id = request.path_params["member_id"]
    key = ("archive", member_id, "", visit.lang)
    said: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    async def watch() -> None:
        try:
            async for change in visit.client.archives.watch(member_id=member_id):
                await said.put({"event": "changed", "data": change.event_type})
        except VanguardError as error:
            await said.put({"event": "refused", "data": f"{error.code.name}: {error.message}"})

    async def poll() -> None:
        # A watch tells only what happens once it is open, and the pledges on the page are
        # the pledges service's: the page's data is also compared every poll.
        async for event in _polled(visit, key, lambda: archive_data(visit, member_id)):
            await said.put(event)

    async def changes() -> AsyncIterator[dict[str, str]]:
        tasks = [asyncio.create_task(watch()), asyncio.create_task(poll())]
        try:
            while True:
                yield await said.get()
        finally:
            for task in tasks:
                task.cancel()

    return _stream(changes())
