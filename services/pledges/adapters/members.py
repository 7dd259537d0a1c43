"""The member roll, asked of archives over gRPC (`ArchiveService.GetMember`) with a service
token for the school and a deadline. gRPC failures become domain errors here, so nothing
beyond this file knows that archives is a gRPC service."""

from __future__ import annotations

import grpc

from kernel.errors import DomainError, NotFound, Unavailable
from kernel.grpc.client import SERVICE_CHANNEL_OPTIONS, bearer
from kernel.tokens import ServiceTokens
from pledges.domain.ports import MemberOnRoll
from vanguard.archives.v1 import archives_pb2, archives_pb2_grpc

SUBJECT = "pledges"


class ArchivesMemberRoll:
    def __init__(self, address: str, token_secret: str, *, timeout_s: float = 2.0) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._tokens = ServiceTokens(token_secret, SUBJECT)
        self._channel: grpc.aio.Channel | None = None
        self._stub: archives_pb2_grpc.ArchiveServiceStub | None = None

    async def member(self, school_id: str, member_id: str) -> MemberOnRoll:
        request = archives_pb2.GetMemberRequest(school_id=school_id, member_id=member_id)
        try:
            reply = await self._archives().GetMember(
                request, metadata=bearer(self._tokens.for_school(school_id)), timeout=self.timeout_s
            )
        except grpc.aio.AioRpcError as error:
            raise self._domain_error(error, member_id) from None
        return MemberOnRoll(reply.member_id, reply.name, reply.branch_id, reply.active)

    def _domain_error(self, error: grpc.aio.AioRpcError, member_id: str) -> DomainError:
        code = error.code()
        if code is grpc.StatusCode.NOT_FOUND:
            return NotFound(f"archives has no member {member_id}", field="member_id")
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            return Unavailable(f"archives did not answer within {self.timeout_s:g} s; retry")
        # Down, not ready, or refusing this service: the pledge cannot be checked now.
        return Unavailable(f"archives cannot check the member now ({code.name}); retry")

    def _archives(self) -> archives_pb2_grpc.ArchiveServiceStub:
        if self._stub is None:  # created on first use, inside the server's event loop
            self._channel = grpc.aio.insecure_channel(self.address, options=SERVICE_CHANNEL_OPTIONS)
            self._stub = archives_pb2_grpc.ArchiveServiceStub(self._channel)
        return self._stub

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close(grace=None)
            self._channel = self._stub = None
