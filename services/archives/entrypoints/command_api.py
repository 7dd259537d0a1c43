"""The command methods of ArchiveService: each turns its request into a command, calls the
handler as the caller, and answers a CommandReply (after waiting, when asked, until the
archive read model shows the change)."""

from __future__ import annotations

from archives import commands as c
from archives.entrypoints import convert
from archives.handlers import ArchivesHandlers
from kernel.errors import InvalidArgument
from kernel.grpc.commands import CommandMethods
from kernel.grpc.replies import ServicerContext, stated
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1 import command_pb2

Reply = command_pb2.CommandReply


class ArchiveCommands(CommandMethods):
    handlers: ArchivesHandlers

    # -- school and branches -------------------------------------------------------------

    async def RegisterSchool(
        self, request: pb.RegisterSchoolRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.RegisterSchool(request.school_id, request.name)
        return await self._command(self.handlers.register_school, cmd, request, context)

    async def EstablishBranch(
        self, request: pb.EstablishBranchRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.EstablishBranch(request.school_id, request.branch_id, request.name)
        return await self._command(self.handlers.establish_branch, cmd, request, context)

    async def ClosePeriod(self, request: pb.ClosePeriodRequest, context: ServicerContext) -> Reply:
        cmd = c.ClosePeriod(request.school_id, request.period)
        return await self._command(self.handlers.close_period, cmd, request, context)

    # -- members -------------------------------------------------------------------------

    async def RegisterMember(
        self, request: pb.RegisterMemberRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.RegisterMember(
            request.school_id,
            request.member_id,
            request.name,
            request.branch_id,
            tuple(request.roles),
            request.joined_party_on,
        )
        return await self._command(self.handlers.register_member, cmd, request, context)

    async def TransferMember(
        self, request: pb.TransferMemberRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.TransferMember(
            request.school_id, request.member_id, request.to_branch_id, request.reason
        )
        return await self._command_at(self.handlers.transfer_member, cmd, request, context)

    async def RecordMemberLeft(
        self, request: pb.RecordMemberLeftRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.RecordMemberLeft(
            request.school_id, request.member_id, request.left_on, request.reason
        )
        return await self._command_at(self.handlers.record_member_left, cmd, request, context)

    # -- performance records -------------------------------------------------------------

    async def RecordPerformance(
        self, request: pb.RecordPerformanceRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.RecordPerformance(
            request.school_id,
            request.member_id,
            request.record_id,
            request.category,
            request.channel,
            request.occurred_on,
            request.description,
            tuple(request.evidence),
            stated(request, "claimed_points"),
            request.appeal_id,
        )
        return await self._command(self.handlers.record_performance, cmd, request, context)

    async def VerifyRecord(
        self, request: pb.VerifyRecordRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.VerifyRecord(
            request.school_id,
            request.record_id,
            stated(request, "awarded_points"),
            request.note,
            request.appeal_id,
        )
        return await self._command_at(self.handlers.verify_record, cmd, request, context)

    async def RejectRecord(
        self, request: pb.RejectRecordRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.RejectRecord(
            request.school_id, request.record_id, request.reason, request.appeal_id
        )
        return await self._command_at(self.handlers.reject_record, cmd, request, context)

    async def CorrectRecord(
        self, request: pb.CorrectRecordRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.CorrectRecord(
            request.school_id,
            request.record_id,
            stated(request, "awarded_points"),
            request.reason,
            request.appeal_id,
        )
        return await self._command_at(self.handlers.correct_record, cmd, request, context)

    # -- model posts ---------------------------------------------------------------------

    async def EstablishModelPost(
        self, request: pb.EstablishModelPostRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.EstablishModelPost(
            request.school_id, request.post_id, request.name, request.kind, request.criteria
        )
        return await self._command(self.handlers.establish_model_post, cmd, request, context)

    async def AssignMemberToPost(
        self, request: pb.AssignMemberToPostRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.AssignMemberToPost(
            request.school_id, request.post_id, request.member_id, request.assigned_on
        )
        return await self._command(self.handlers.assign_member_to_post, cmd, request, context)

    async def ReviewModelPost(
        self, request: pb.ReviewModelPostRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ReviewModelPost(
            request.school_id,
            request.post_id,
            request.member_id,
            request.period,
            stated(request, "score"),
            request.comment,
            request.appeal_id,
        )
        return await self._command(self.handlers.review_model_post, cmd, request, context)

    async def ReleaseMemberFromPost(
        self, request: pb.ReleaseMemberFromPostRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ReleaseMemberFromPost(
            request.school_id,
            request.post_id,
            request.member_id,
            request.released_on,
            request.reason,
        )
        handler = self.handlers.release_member_from_post
        return await self._command(handler, cmd, request, context)

    # -- assessments and appeals ---------------------------------------------------------

    async def SubmitAssessment(
        self, request: pb.SubmitAssessmentRequest, context: ServicerContext
    ) -> Reply:
        if not request.HasField("scores"):
            raise InvalidArgument("scores for the four leads are required", field="scores")
        cmd = c.SubmitAssessment(
            request.school_id,
            request.member_id,
            request.period,
            request.tier,
            convert.scores_of(request.scores),
            request.comment,
            request.appeal_id,
        )
        return await self._command(self.handlers.submit_assessment, cmd, request, context)

    async def FileAppeal(self, request: pb.FileAppealRequest, context: ServicerContext) -> Reply:
        cmd = c.FileAppeal(
            request.school_id,
            request.member_id,
            request.subject,
            request.subject_id,
            request.reason,
        )
        return await self._command(self.handlers.file_appeal, cmd, request, context)

    async def ResolveAppeal(
        self, request: pb.ResolveAppealRequest, context: ServicerContext
    ) -> Reply:
        cmd = c.ResolveAppeal(request.school_id, request.appeal_id, request.outcome, request.reason)
        return await self._command(self.handlers.resolve_appeal, cmd, request, context)
