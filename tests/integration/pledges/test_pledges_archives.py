"""Before accepting a pledge, pledges asks archives (for real, over gRPC) who the member is:
an unknown member, a member of another branch or one who has left is refused naming the
member; with archives down the pledge is UNAVAILABLE, nothing is written, and once archives
is back the same pledge goes through."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import grpc
import pytest
import pytest_asyncio
from pledges_kit import School, describe, failure, own_school, start_archives

from kernel.broker import EmbeddedBroker
from kernel.grpc.client import field_of
from kernel.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="module")

T = TypeVar("T")
RECONNECT_S = 5.0  # pledges reconnects to archives within about a second


async def test_an_unknown_member_is_not_found(school: School) -> None:
    head = await school.head()
    error = await failure(school.make("m-nobody", caller=school.committee))
    assert (error.code(), field_of(error)) == (grpc.StatusCode.NOT_FOUND, "member_id")
    assert await school.head() == head


async def test_a_secretary_of_another_branch_may_not_pledge_for_the_member(school: School) -> None:
    head = await school.head()
    error = await failure(school.make("m-wang", caller=school.secretary("b-maths")))
    assert (error.code(), field_of(error)) == (grpc.StatusCode.PERMISSION_DENIED, "member_id")
    assert await school.head() == head


async def test_a_member_who_has_left_the_roll_pledges_no_more(school: School) -> None:
    error = await failure(school.make("m-left"))
    assert (error.code(), field_of(error)) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_id",
    ), describe(error)


@pytest_asyncio.fixture(loop_scope="module")
async def alone(suite_settings: Settings, own_broker: EmbeddedBroker) -> AsyncIterator[School]:
    """A school on services of its own: this test stops its archives."""
    async with own_school(suite_settings, own_broker) as school:
        yield school


async def test_with_archives_down_a_pledge_is_unavailable_and_nothing_is_written(
    alone: School,
) -> None:
    school = alone
    await school.make("m-wang")  # archives answers
    port = school.archives.port
    await school.archives.stop()
    head = await school.head()

    error = await failure(school.make("m-wang"))

    assert error.code() == grpc.StatusCode.UNAVAILABLE, describe(error)
    assert "archives" in (error.details() or "")
    assert await school.head() == head

    # Archives comes back on the same port, with its data: the same pledge goes through.
    school.archives = await start_archives(school.settings, port)
    reply = await eventually(lambda: school.make("m-wang"), RECONNECT_S)
    assert (await school.get(reply.id)).member_name == "王小明"


async def eventually(call: Callable[[], Awaitable[T]], within_s: float) -> T:
    """The first answer of `call` that is not UNAVAILABLE, retried until the deadline."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)
