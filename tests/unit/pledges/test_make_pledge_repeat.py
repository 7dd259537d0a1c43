"""A repeated MakePledge is answered from its idempotency key whenever it comes — even once
the day has moved past the due dates the original was checked against."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from kernel.auth import Principal
from kernel.envelope import Role
from kernel.errors import InvalidArgument
from kernel.store.sqlite import SqliteEventStore
from pledges import commands as c
from pledges.adapters.contacts import SqliteContactBook
from pledges.domain.ports import MemberOnRoll
from pledges.handlers import PledgesHandlers


class OneMemberRoll:
    async def member(self, school_id: str, member_id: str) -> MemberOnRoll:
        return MemberOnRoll(member_id, "李老师", "b-1", active=True)


def test_a_repeat_after_the_due_date_gets_the_original_pledge(tmp_path: Path) -> None:
    day = [date(2026, 9, 10)]
    store = SqliteEventStore(tmp_path / "events.db")
    handlers = PledgesHandlers(
        store, OneMemberRoll(), SqliteContactBook(tmp_path / "contacts.db"), today=lambda: day[0]
    )
    member = Principal("m-1", Role.MEMBER, "s-1", "b-1")
    cmd = c.MakePledge(
        "s-1", "m-1", "2026-09", "work", "按时批改作业", "每次作业当天批改完毕",
        (c.TargetSpec("批改全部作业", "2026-09-30"),),
    )  # fmt: skip

    first = asyncio.run(handlers.make_pledge(member, cmd, "key-1"))
    day[0] = date(2026, 10, 15)  # the due date is now in the past
    again = asyncio.run(handlers.make_pledge(member, cmd, "key-1"))

    assert (again.result["id"], again.replayed) == (first.result["id"], True)
    assert store.head_position() == 1
    with pytest.raises(InvalidArgument) as refused:  # a new command is checked as ever
        asyncio.run(handlers.make_pledge(member, cmd, "key-2"))
    assert refused.value.field == "targets[0].due_on"
    store.close()
