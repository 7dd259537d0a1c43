"""The member roll, asked of archives over gRPC (`ArchiveService.GetMember`) with a service
token for the school and a deadline. gRPC failures become domain errors here, so nothing
beyond this file knows that archives is a gRPC service."""

from __future__ import annotations

import grpc

from kernel.errors import DomainError, NotFound, Unavailable
from kernel.grpc.service_client import ServiceClient
from pledges.domain.ports import MemberOnRoll
from vanguard.archives.v1 import archives_pb2, archives_pb2_grpc

SUBJECT = "pledges"


class ArchivesMemberRoll(ServiceClient[archives_pb2_grpc.ArchiveServiceStub]):
    def __init__(self, address: str, token_secret: str, *, timeout_s: float = 2.0) -> None:
        super().__init__(
            address,
            token_secret,
            SUBJECT,
            archives_pb2_grpc.ArchiveServiceStub,
            timeout_s=timeout_s,
        )

    async def member(self, school_id: str, member_id: str) -> MemberOnRoll:
        request = archives_pb2.GetMemberRequest(school_id=school_id, member_id=member_id)
        try:
            reply = await self.stub().GetMember(
                request, metadata=self.metadata(school_id), timeout=self.timeout_s
            )
        except grpc.aio.AioRpcError as error:
            raise self._domain_error(error, member_id) from None
        return MemberOnRoll(reply.member_id, reply.name, reply.branch_id, reply.active)

    def _domain_error(self, error: grpc.aio.AioRpcError, member_id: str) -> DomainError:
        code = error.code()
        if code is grpc.StatusCode.NOT_FOUND:
            return NotFound(f"archives has no member {member_id}", field="member_id")
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            return self.timed_out("archives")
        # Down, not ready, or refusing this service: the pledge cannot be checked now.
        return Unavailable(f"archives cannot check the member now ({code.name}); retry")
