"""gRPC entrypoint of archives: thin methods that turn requests into commands and queries."""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any, Protocol

from archives import commands as c
from archives.entrypoints import convert
from archives.handlers import ArchivesHandlers
from archives.readmodel.archive_rows import marker
from archives.readmodel.queries import ArchiveQueries, MemberRow
from kernel import validation as v
from kernel.auth import (
    current_principal,
    require_branch,
    require_member_reader,
    require_role,
    require_school,
)
from kernel.envelope import Role
from kernel.errors import InvalidArgument, NotFound, PermissionDenied
from kernel.grpc.replies import VisibilityWait, command_reply, expected_of
from kernel.grpc.status import StatusMixin, StatusSource
from kernel.periods import Period, parse_period
from kernel.store import AppendResult
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import command_pb2
from vanguard.scoring.v1 import scoring_pb2

WATCH_POLL_S = 0.05
PAGE_DEFAULT, PAGE_MAX = 50, 500
BUILT_ARCHIVES = 256


class BuiltArchives:
    """Current archives built as messages, kept while the read model holds the same state of
    them: an archive is read far more often than it changes, and building a big one costs
    more than the rest of the call."""

    def __init__(self, queries: ArchiveQueries, size: int = BUILT_ARCHIVES) -> None:
        self.queries = queries
        self.size = size
        self._built: OrderedDict[tuple[str, str], tuple[tuple[int, str], pb.Archive]] = (
            OrderedDict()
        )

    def current(self, school_id: str, member_id: str, row: MemberRow) -> pb.Archive:
        """The archive in the state `row` names (kept, or built now and kept)."""
        key = (school_id, member_id)
        kept = self._built.get(key)
        if kept is not None and kept[0] == row.marker:
            self._built.move_to_end(key)
            return kept[1]
        document = self.queries.archive(school_id, member_id)
        message = convert.archive(document)
        self._built[key] = (marker(document), message)  # the state actually read
        self._built.move_to_end(key)
        if len(self._built) > self.size:
            self._built.popitem(last=False)
        return message


class EvaluationExplainer(Protocol):
    """Scoring's explanation of a member's evaluation (archives.adapters.scoring)."""

    async def explain(
        self, school_id: str, member_id: str, period: str
    ) -> scoring_pb2.Explanation: ...


class ArchiveApi(StatusMixin, archives_pb2_grpc.ArchiveServiceServicer):
    def __init__(
        self,
        runtime: StatusSource,
        handlers: ArchivesHandlers,
        queries: ArchiveQueries,
        wait_visible: VisibilityWait,
        explainer: EvaluationExplainer,
    ) -> None:
        self.runtime = runtime
        self.handlers = handlers
        self.queries = queries
        self.wait_visible = wait_visible
        self.explainer = explainer
        self.built = BuiltArchives(queries)

    async def _reply(
        self, result: AppendResult, options: command_pb2.CommandOptions, context: Any
    ) -> command_pb2.CommandReply:
        return await command_reply(result, options, context, self.wait_visible)

    # -- commands ------------------------------------------------------------------------

    async def RegisterSchool(self, request: Any, context: Any) -> Any:
        cmd = c.RegisterSchool(request.school_id, request.name)
        result = self.handlers.register_school(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def EstablishBranch(self, request: Any, context: Any) -> Any:
        cmd = c.EstablishBranch(request.school_id, request.branch_id, request.name)
        result = self.handlers.establish_branch(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def ClosePeriod(self, request: Any, context: Any) -> Any:
        cmd = c.ClosePeriod(request.school_id, request.period)
        result = self.handlers.close_period(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def RegisterMember(self, request: Any, context: Any) -> Any:
        cmd = c.RegisterMember(
            request.school_id,
            request.member_id,
            request.name,
            request.branch_id,
            tuple(request.roles),
            request.joined_party_on,
        )
        result = self.handlers.register_member(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def TransferMember(self, request: Any, context: Any) -> Any:
        cmd = c.TransferMember(
            request.school_id, request.member_id, request.to_branch_id, request.reason
        )
        result = self.handlers.transfer_member(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request.options, context)

    async def RecordMemberLeft(self, request: Any, context: Any) -> Any:
        cmd = c.RecordMemberLeft(
            request.school_id, request.member_id, request.left_on, request.reason
        )
        result = self.handlers.record_member_left(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request.options, context)

    async def RecordPerformance(self, request: Any, context: Any) -> Any:
        cmd = c.RecordPerformance(
            request.school_id,
            request.member_id,
            request.record_id,
            request.category,
            request.channel,
            request.occurred_on,
            request.description,
            tuple(request.evidence),
            request.claimed_points,
        )
        result = self.handlers.record_performance(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def VerifyRecord(self, request: Any, context: Any) -> Any:
        cmd = c.VerifyRecord(
            request.school_id, request.record_id, request.awarded_points, request.note
        )
        result = self.handlers.verify_record(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request.options, context)

    async def RejectRecord(self, request: Any, context: Any) -> Any:
        cmd = c.RejectRecord(request.school_id, request.record_id, request.reason)
        result = self.handlers.reject_record(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request.options, context)

    async def CorrectRecord(self, request: Any, context: Any) -> Any:
        cmd = c.CorrectRecord(
            request.school_id, request.record_id, request.awarded_points, request.reason
        )
        result = self.handlers.correct_record(
            current_principal(), cmd, request.options.idempotency_key, expected_of(request)
        )
        return await self._reply(result, request.options, context)

    async def EstablishModelPost(self, request: Any, context: Any) -> Any:
        cmd = c.EstablishModelPost(
            request.school_id, request.post_id, request.name, request.kind, request.criteria
        )
        result = self.handlers.establish_model_post(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def AssignMemberToPost(self, request: Any, context: Any) -> Any:
        cmd = c.AssignMemberToPost(
            request.school_id, request.post_id, request.member_id, request.assigned_on
        )
        result = self.handlers.assign_member_to_post(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def ReviewModelPost(self, request: Any, context: Any) -> Any:
        cmd = c.ReviewModelPost(
            request.school_id,
            request.post_id,
            request.member_id,
            request.period,
            request.score,
            request.comment,
        )
        result = self.handlers.review_model_post(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def ReleaseMemberFromPost(self, request: Any, context: Any) -> Any:
        cmd = c.ReleaseMemberFromPost(
            request.school_id,
            request.post_id,
            request.member_id,
            request.released_on,
            request.reason,
        )
        result = self.handlers.release_member_from_post(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def SubmitAssessment(self, request: Any, context: Any) -> Any:
        if not request.HasField("scores"):
            raise InvalidArgument("scores for the four leads are required", field="scores")
        cmd = c.SubmitAssessment(
            request.school_id,
            request.member_id,
            request.period,
            request.tier,
            convert.scores_of(request.scores),
            request.comment,
        )
        result = self.handlers.submit_assessment(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def FileAppeal(self, request: Any, context: Any) -> Any:
        cmd = c.FileAppeal(
            request.school_id,
            request.member_id,
            request.subject,
            request.subject_id,
            request.reason,
        )
        result = self.handlers.file_appeal(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    async def ResolveAppeal(self, request: Any, context: Any) -> Any:
        cmd = c.ResolveAppeal(request.school_id, request.appeal_id, request.outcome, request.reason)
        result = self.handlers.resolve_appeal(
            current_principal(), cmd, request.options.idempotency_key
        )
        return await self._reply(result, request.options, context)

    # -- queries -------------------------------------------------------------------------

    def _readable(self, school_id: str, member_id: str) -> MemberRow:
        """The member's row, when the member exists and the caller may read their archive."""
        principal = current_principal()
        require_school(principal, v.identifier(school_id, "school_id"))
        row = self.queries.reader_row(school_id, v.identifier(member_id, "member_id"))
        require_member_reader(principal, school_id, member_id, row.branch_id)
        return row

    async def GetMember(self, request: Any, context: Any) -> Any:
        self._readable(request.school_id, request.member_id)
        return convert.member(self.queries.member(request.school_id, request.member_id))

    async def GetArchive(self, request: Any, context: Any) -> Any:
        as_of = v.moment(request.as_of, "as_of") if request.as_of else None
        row = self._readable(request.school_id, request.member_id)
        if as_of is None:
            return self.built.current(request.school_id, request.member_id, row)
        return convert.archive(self.queries.archive(request.school_id, request.member_id, as_of))

    async def ExportArchive(self, request: Any, context: Any) -> Any:
        self._readable(request.school_id, request.member_id)
        document = self.queries.archive(request.school_id, request.member_id)
        return pb.ArchiveExport(
            member_id=request.member_id,
            json=json.dumps(document, ensure_ascii=False, sort_keys=True),
            event_ids=document["event_ids"],
        )

    async def ExplainEvaluation(self, request: Any, context: Any) -> Any:
        """Scoring's explanation, for whoever may read this member's archive."""
        self._readable(request.school_id, request.member_id)
        parse_period(request.period)  # INVALID_ARGUMENT naming `period` before asking scoring
        return await self.explainer.explain(request.school_id, request.member_id, request.period)

    async def ListMembers(self, request: Any, context: Any) -> Any:
        principal = current_principal()
        require_school(principal, request.school_id)
        require_role(principal, Role.SECRETARY, Role.COMMITTEE, Role.SERVICE)
        if principal.role is Role.SECRETARY:
            if not request.branch_id:
                raise PermissionDenied("a secretary lists their own branch: give branch_id")
            require_branch(principal, request.branch_id)
        v.optional_identifier(request.branch_id, "branch_id")
        if request.page_size < 0 or request.page_size > PAGE_MAX:
            raise InvalidArgument(f"must be between 0 and {PAGE_MAX}", field="page_size")
        members, token = self.queries.list_members(
            request.school_id,
            request.branch_id,
            request.page_size or PAGE_DEFAULT,
            request.page_token,
        )
        return pb.ListMembersReply(
            members=[convert.member(m) for m in members], next_page_token=token
        )

    @staticmethod
    def _period(text: str) -> Period | None:
        return parse_period(text) if text else None

    async def BranchSummary(self, request: Any, context: Any) -> Any:
        principal = current_principal()
        require_school(principal, request.school_id)
        require_role(principal, Role.SECRETARY, Role.COMMITTEE)
        require_branch(principal, request.branch_id)
        v.identifier(request.branch_id, "branch_id")
        document = self.queries.summary(
            request.school_id, request.branch_id, self._period(request.period)
        )
        return convert.summary(document)

    async def SchoolSummary(self, request: Any, context: Any) -> Any:
        principal = current_principal()
        require_school(principal, request.school_id)
        require_role(principal, Role.COMMITTEE)
        return convert.summary(
            self.queries.summary(request.school_id, "", self._period(request.period))
        )

    def _watch_start(self, request: Any) -> int:
        """The archive log position a watch starts after: the change it resumes after, or now."""
        if not request.after_event_id:
            return self.queries.last_seq()
        after = v.identifier(request.after_event_id, "after_event_id")
        seq = self.queries.seq_of(request.school_id, after, request.member_id)
        if seq is None:
            raise NotFound(
                f"no archive change {after} to resume after",
                field="after_event_id",
            )
        return seq

    async def WatchArchive(self, request: Any, context: Any) -> AsyncIterator[Any]:
        principal = current_principal()
        require_school(principal, request.school_id)
        if bool(request.member_id) == bool(request.branch_id):
            raise InvalidArgument("give exactly one of member_id or branch_id", field="member_id")
        if request.member_id:
            self._readable(request.school_id, request.member_id)
        else:
            require_role(principal, Role.SECRETARY, Role.COMMITTEE)
            require_branch(principal, request.branch_id)
            v.identifier(request.branch_id, "branch_id")
            self.queries.branch_name(request.school_id, request.branch_id)
        seq = self._watch_start(request)
        while True:
            changes = self.queries.changes_after(
                request.school_id, seq, member_id=request.member_id, branch_id=request.branch_id
            )
            for seq, member_id, event_type, event_id, recorded_at in changes:
                yield pb.ArchiveChange(
                    member_id=member_id,
                    event_type=event_type,
                    event_id=event_id,
                    recorded_at=recorded_at,
                    archive=convert.archive(
                        self.queries.archive_after(request.school_id, member_id, seq)
                    ),
                )
            await asyncio.sleep(WATCH_POLL_S)
