"""gRPC entrypoint of archives: thin methods that turn requests into commands and queries
(the commands in `command_api`, who may read what in `archives.reading`). The public method
(`PublicNotice`, the 公示 of a closed month) admits anonymous callers and is rate limited per
client here, at the edge, as pledges' board is."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Protocol

from archives.entrypoints import convert, convert_publications
from archives.entrypoints.built import BuiltArchives
from archives.entrypoints.command_api import ArchiveCommands
from archives.handlers import ArchivesHandlers
from archives.reading import ArchivesReader
from contracts import school_calendar
from contracts.periods import parse_period
from kernel.auth import current_principal
from kernel.grpc.rate_limit import RateLimiter, within
from kernel.grpc.replies import ServicerContext, VisibilityWait
from kernel.grpc.status import StatusMixin, StatusSource
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.scoring.v1 import scoring_pb2

SERVICE_NAME = "vanguard.archives.v1.ArchiveService"
WATCH_POLL_S = 0.05
PUBLIC_METHODS = frozenset({f"/{SERVICE_NAME}/PublicNotice"})


class EvaluationExplainer(Protocol):
    """Scoring's explanation of a member's evaluation (archives.adapters.scoring)."""

    async def explain(
        self, school_id: str, member_id: str, period: str
    ) -> scoring_pb2.Explanation: ...


class ArchiveApi(StatusMixin, ArchiveCommands, archives_pb2_grpc.ArchiveServiceServicer):
    def __init__(
        self,
        runtime: StatusSource,
        handlers: ArchivesHandlers,
        reader: ArchivesReader,
        wait_visible: VisibilityWait,
        explainer: EvaluationExplainer,
        *,
        notice_limit: RateLimiter,
    ) -> None:
        self.runtime = runtime
        self.handlers = handlers
        self.reader = reader
        self.queries = reader.queries
        self.wait_visible = wait_visible
        self.explainer = explainer
        self.built = BuiltArchives(reader.queries)
        self.notice_limit = notice_limit

    async def GetPublication(
        self, request: pb.GetPublicationRequest, context: ServicerContext
    ) -> pb.Publication:
        view = self.reader.publication(current_principal(), request.school_id, request.period)
        return convert_publications.publication(view)

    async def PublicNotice(
        self, request: pb.PublicNoticeRequest, context: ServicerContext
    ) -> pb.Notice:
        within(self.notice_limit, context)
        view = self.reader.public_notice(current_principal(), request.school_id, request.period)
        return convert_publications.notice(view)

    async def GetMember(self, request: pb.GetMemberRequest, context: ServicerContext) -> pb.Member:
        document = self.reader.member(current_principal(), request.school_id, request.member_id)
        return convert.member(document)

    async def GetArchive(
        self, request: pb.GetArchiveRequest, context: ServicerContext
    ) -> pb.Archive:
        as_of = school_calendar.moment(request.as_of, "as_of") if request.as_of else None
        row = self.reader.readable(current_principal(), request.school_id, request.member_id)
        if as_of is None:
            return self.built.current(request.school_id, request.member_id, row)
        return convert.archive(self.queries.archive(request.school_id, request.member_id, as_of))

    async def ExportArchive(
        self, request: pb.ExportArchiveRequest, context: ServicerContext
    ) -> pb.ArchiveExport:
        document = self.reader.archive(current_principal(), request.school_id, request.member_id)
        return pb.ArchiveExport(
            member_id=request.member_id,
            json=json.dumps(document, ensure_ascii=False, sort_keys=True),
            event_ids=document["event_ids"],
        )

    async def ExplainEvaluation(
        self, request: pb.ExplainEvaluationRequest, context: ServicerContext
    ) -> scoring_pb2.Explanation:
        """Scoring's explanation, for whoever may read this member's archive."""
        self.reader.readable(current_principal(), request.school_id, request.member_id)
        parse_period(request.period)  # INVALID_ARGUMENT naming `period` before asking scoring
        return await self.explainer.explain(request.school_id, request.member_id, request.period)

    async def ListMembers(
        self, request: pb.ListMembersRequest, context: ServicerContext
    ) -> pb.ListMembersReply:
        members, token = self.reader.members(
            current_principal(),
            request.school_id,
            request.branch_id,
            request.page_size,
            request.page_token,
        )
        return pb.ListMembersReply(
            members=[convert.member(m) for m in members], next_page_token=token
        )

    async def BranchSummary(
        self, request: pb.BranchSummaryRequest, context: ServicerContext
    ) -> pb.Summary:
        document = self.reader.branch_summary(
            current_principal(), request.school_id, request.branch_id, request.period
        )
        return convert.summary(document)

    async def SchoolSummary(
        self, request: pb.SchoolSummaryRequest, context: ServicerContext
    ) -> pb.Summary:
        document = self.reader.school_summary(
            current_principal(), request.school_id, request.period
        )
        return convert.summary(document)

    async def WatchArchive(
        self, request: pb.WatchArchiveRequest, context: ServicerContext
    ) -> AsyncIterator[pb.ArchiveChange]:
        school_id = request.school_id
        seq = self.reader.watch_start(
            current_principal(),
            school_id,
            request.member_id,
            request.branch_id,
            request.after_event_id,
        )
        while True:
            changes = self.queries.changes_after(
                school_id, seq, member_id=request.member_id, branch_id=request.branch_id
            )
            for seq, member_id, event_type, event_id, recorded_at in changes:
                yield pb.ArchiveChange(
                    member_id=member_id,
                    event_type=event_type,
                    event_id=event_id,
                    recorded_at=recorded_at,
                    archive=convert.archive(self.queries.archive_after(school_id, member_id, seq)),
                )
            await asyncio.sleep(WATCH_POLL_S)
