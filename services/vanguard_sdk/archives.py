"""The archives client: commands (`ArchiveCommands`) and the queries a front end reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime

import grpc

from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import status_pb2
from vanguard_sdk.archive_commands import ArchiveCommands
from vanguard_sdk.base import PAGE_SIZE, every_page
from vanguard_sdk.calls import Caller
from vanguard_sdk.errors import VanguardError

RECONNECT_S = 60.0  # how long a watch waits for archives to come back (a restart takes seconds)


class ArchivesClient(ArchiveCommands):
    def __init__(self, channel: grpc.aio.Channel, caller: Caller, school_id: str) -> None:
        super().__init__(caller, school_id)
        self._stub = archives_pb2_grpc.ArchiveServiceStub(channel)

    async def get_status(self) -> status_pb2.ServiceStatus:
        return await self._query(self._stub.GetStatus, status_pb2.GetStatusRequest())

    async def get_member(self, member_id: str) -> pb.Member:
        request = pb.GetMemberRequest(school_id=self.school_id, member_id=member_id)
        return await self._query(self._stub.GetMember, request)

    async def get_archive(self, member_id: str, as_of: str | datetime | None = None) -> pb.Archive:
        """The member's archive now, or exactly as it stood at `as_of` (RFC 3339 or an aware
        datetime)."""
        when = as_of.isoformat() if isinstance(as_of, datetime) else (as_of or "")
        request = pb.GetArchiveRequest(school_id=self.school_id, member_id=member_id, as_of=when)
        return await self._query(self._stub.GetArchive, request)

    async def list_members(
        self, branch_id: str = "", *, page_size: int = 0, page_token: str = ""
    ) -> pb.ListMembersReply:
        request = pb.ListMembersRequest(
            school_id=self.school_id,
            branch_id=branch_id,
            page_size=page_size,
            page_token=page_token,
        )
        return await self._query(self._stub.ListMembers, request)

    async def members(self, branch_id: str = "") -> AsyncIterator[pb.Member]:
        """Every member of the school (or the branch), page after page."""
        pages = every_page(
            lambda token: self.list_members(branch_id, page_size=PAGE_SIZE, page_token=token),
            lambda page: page.members,
        )
        async for member in pages:
            yield member

    async def branch_summary(self, branch_id: str, period: str = "") -> pb.Summary:
        request = pb.BranchSummaryRequest(
            school_id=self.school_id, branch_id=branch_id, period=period
        )
        return await self._query(self._stub.BranchSummary, request)

    async def school_summary(self, period: str = "") -> pb.Summary:
        request = pb.SchoolSummaryRequest(school_id=self.school_id, period=period)
        return await self._query(self._stub.SchoolSummary, request)

    async def export_archive(self, member_id: str) -> pb.ArchiveExport:
        request = pb.ExportArchiveRequest(school_id=self.school_id, member_id=member_id)
        return await self._query(self._stub.ExportArchive, request)

    async def get_publication(self, period: str) -> pb.Publication:
        """The period's whole publication (月度公示 / 季度通报 / 年度表彰) and every version of
        it, the issued one first: the committee's."""
        request = pb.GetPublicationRequest(school_id=self.school_id, period=period)
        return await self._query(self._stub.GetPublication, request)

    async def public_notice(self, period: str) -> pb.Notice:
        """The 公示 of a closed month as the public sees it; no token needed (call it on
        `Vanguard.acting_as(None)` to send none)."""
        request = pb.PublicNoticeRequest(school_id=self.school_id, period=period)
        return await self._query(self._stub.PublicNotice, request)

    def watch(
        self,
        *,
        member_id: str = "",
        branch_id: str = "",
        after_event_id: str = "",
        reconnect_s: float = RECONNECT_S,
        on_reconnect: Callable[[VanguardError], None] | None = None,
    ) -> AsyncIterator[pb.ArchiveChange]:
        """Every change to a member's archive (or to any archive of a branch) from now on (or
        after the change `after_event_id`), as it happens: `async for change in
        client.watch(member_id="m01")`. A lost connection is taken up again after the last
        change delivered, for as long as archives answers again within `reconnect_s` (0:
        never); `on_reconnect` hears of each attempt."""

        def request_after(event_id: str) -> pb.WatchArchiveRequest:
            return pb.WatchArchiveRequest(
                school_id=self.school_id,
                member_id=member_id,
                branch_id=branch_id,
                after_event_id=event_id,
            )

        return self._caller.stream(
            self._stub.WatchArchive,
            request_after,
            lambda change: str(change.event_id),
            after=after_event_id,
            reconnect_s=reconnect_s,
            on_reconnect=on_reconnect,
        )
