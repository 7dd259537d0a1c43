"""ArchiveService commands, one typed method each. Give the request as the API defines it;
`school_id` may be left empty (the client's school), and so may the idempotency key (a fresh
one is used, and repeated by every retry)."""

from __future__ import annotations

from typing import Any

from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1.command_pb2 import CommandReply
from vanguard_sdk.base import ServiceClient


class ArchiveCommands(ServiceClient):
    _stub: Any

    async def register_school(
        self, request: pb.RegisterSchoolRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.RegisterSchool, request, timeout)

    async def establish_branch(
        self, request: pb.EstablishBranchRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.EstablishBranch, request, timeout)

    async def close_period(
        self, request: pb.ClosePeriodRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ClosePeriod, request, timeout)

    async def register_member(
        self, request: pb.RegisterMemberRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.RegisterMember, request, timeout)

    async def transfer_member(
        self, request: pb.TransferMemberRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.TransferMember, request, timeout)

    async def record_member_left(
        self, request: pb.RecordMemberLeftRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.RecordMemberLeft, request, timeout)

    async def record_performance(
        self, request: pb.RecordPerformanceRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.RecordPerformance, request, timeout)

    async def verify_record(
        self, request: pb.VerifyRecordRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.VerifyRecord, request, timeout)

    async def reject_record(
        self, request: pb.RejectRecordRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.RejectRecord, request, timeout)

    async def correct_record(
        self, request: pb.CorrectRecordRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.CorrectRecord, request, timeout)

    async def establish_model_post(
        self, request: pb.EstablishModelPostRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.EstablishModelPost, request, timeout)

    async def assign_member_to_post(
        self, request: pb.AssignMemberToPostRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.AssignMemberToPost, request, timeout)

    async def review_model_post(
        self, request: pb.ReviewModelPostRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ReviewModelPost, request, timeout)

    async def release_member_from_post(
        self, request: pb.ReleaseMemberFromPostRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ReleaseMemberFromPost, request, timeout)

    async def submit_assessment(
        self, request: pb.SubmitAssessmentRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.SubmitAssessment, request, timeout)

    async def file_appeal(
        self, request: pb.FileAppealRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.FileAppeal, request, timeout)

    async def resolve_appeal(
        self, request: pb.ResolveAppealRequest, *, timeout: float | None = None
    ) -> CommandReply:
        return await self._command(self._stub.ResolveAppeal, request, timeout)
