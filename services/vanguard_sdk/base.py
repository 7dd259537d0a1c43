"""What the three service clients share: the caller, the school they act in, and requests
completed with that school."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeVar

from vanguard_sdk.calls import Caller


class Paged(Protocol):
    next_page_token: str


M = TypeVar("M")
R = TypeVar("R", bound=Paged)
T = TypeVar("T")
PAGE_SIZE = 500  # what the iterators ask for per page


async def every_page(
    page: Callable[[str], Awaitable[R]], items: Callable[[R], Iterable[T]]
) -> AsyncIterator[T]:
    """Every item of a paged list: `page(token)` fetches one page, `items` takes its items;
    pages follow `next_page_token` until it is empty."""
    token = ""
    while True:
        reply = await page(token)
        for item in items(reply):
            yield item
        token = reply.next_page_token
        if not token:
            return


class ServiceClient:
    def __init__(self, caller: Caller, school_id: str) -> None:
        self._caller = caller
        self.school_id = school_id

    def _in_school(self, request: M) -> M:
        """A copy of the request naming the client's school when it names none."""
        copy: Any = type(request)()
        copy.CopyFrom(request)
        if not copy.school_id:
            copy.school_id = self.school_id
        return copy

    async def _command(self, method: Any, request: Any, timeout: float | None) -> Any:
        return await self._caller.command(method, self._in_school(request), timeout)

    async def _query(self, method: Any, request: Any, timeout: float | None = None) -> Any:
        return await self._caller.unary(method, request, timeout)
