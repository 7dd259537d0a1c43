"""Pages read at the same moment share one set of calls, never across readers."""

from __future__ import annotations

import asyncio

import pytest

from web.cache import PageCache


async def test_concurrent_readers_share_one_load_and_readers_are_kept_apart() -> None:
    cache = PageCache(ttl_s=60)
    loads: list[str] = []

    async def load(who: str) -> str:
        loads.append(who)
        await asyncio.sleep(0.01)
        return f"page of {who}"

    same = await asyncio.gather(*(cache.get("committee", "k", lambda: load("c")) for _ in range(5)))
    assert same == ["page of c"] * 5 and loads == ["c"]
    assert await cache.get("member:m03", "k", lambda: load("m")) == "page of m"
    assert loads == ["c", "m"]


async def test_a_command_a_live_refresh_and_the_time_limit_each_read_anew() -> None:
    cache = PageCache(ttl_s=60)
    count = 0

    async def load() -> int:
        nonlocal count
        count += 1
        return count

    assert await cache.get("r", "k", load) == 1
    assert await cache.get("r", "k", load) == 1
    cache.forget("r")
    assert await cache.get("r", "k", load) == 2
    assert await cache.get("r", "k", load, fresh=True) == 3
    cache.ttl_s = 0
    assert await cache.get("r", "k", load) == 4


async def test_a_failed_load_is_not_kept() -> None:
    cache = PageCache(ttl_s=60)

    async def fail() -> str:
        raise RuntimeError("archives restarting")

    async def works() -> str:
        return "page"

    with pytest.raises(RuntimeError):
        await cache.get("r", "k", fail)
    assert await cache.get("r", "k", works) == "page"
