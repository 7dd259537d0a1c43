"""Two replicas of archives on one store and one read model (`--store` decides which: SQLite
files both processes open, or one PostgreSQL database) and the session broker: a command
answered by either is read back from the other, and when the replica whose relay publishes the
store dies, the other's relay takes over (kernel.store.lease) and commands still become
visible."""

from __future__ import annotations

import os
import signal

from archives_kit import ArchivesService

from kernel.settings import Settings
from vanguard.archives.v1 import archives_pb2 as pb


async def member_name(replica: ArchivesService, member_id: str) -> str:
    reply = await replica.call(
        "GetMember",
        pb.GetMemberRequest(school_id=replica.school, member_id=member_id),
        replica.committee,
    )
    return str(reply.name)


async def test_two_replicas_answer_alike_and_one_survives_the_other(
    settings: Settings, unique: str
) -> None:
    shared = settings.model_copy(update={"archives_port": 0})
    first = await ArchivesService.start(shared, school=f"school-{unique}")
    second = await ArchivesService.start(shared, school=f"school-{unique}")
    try:
        await first.found_school((("b-a", "第一党支部"),))
        assert (await first.register("m-1", "张三", "b-a")).visible
        assert await member_name(second, "m-1") == "张三"  # read-your-writes on the other
        assert (await second.register("m-2", "李四", "b-a")).visible
        assert await member_name(first, "m-2") == "李四"

        # The first replica's worker process (its relay and consumer) dies without warning;
        # whichever relay held the lease, the second's now publishes.
        assert first.runtime is not None and first.runtime.workers is not None
        pid = first.runtime.workers.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await first.stop()
        assert (await second.register("m-3", "王五", "b-a")).visible
        assert await member_name(second, "m-3") == "王五"
    finally:
        await first.stop()
        await second.stop()
