"""The member roll, asked of archives over gRPC (`ArchiveService.GetMember`) with a service
token for the school and a deadline. gRPC failures become domain errors here, so nothing
beyond this file knows that archives is a gRPC service."""

from __future__ import annotations

import time

import grpc

from kernel.envelope import Role
from kernel.errors import DomainError, NotFound, Unavailable
from kernel.grpc.client import bearer
from kernel.tokens import issue_token
from pledges.domain.ports import MemberOnRoll
from vanguard.archives.v1 import archives_pb2, archives_pb2_grpc

SUBJECT = "pledges"
TOKEN_TTL_S = 3600
TOKEN_RENEW_S = 300  # a token with less life than this left is renewed before use
# Calls fail fast while archives is down; reconnect attempts stay frequent, so the first
# calls after archives is back are not refused for a long backoff (gRPC's default: 120 s).
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


class ArchivesMemberRoll:
    def __init__(self, address: str, token_secret: str, *, timeout_s: float = 2.0) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._secret = token_secret
        self._channel: grpc.aio.Channel | None = None
        self._stub: archives_pb2_grpc.ArchiveServiceStub | None = None
        self._tokens: dict[str, tuple[str, float]] = {}  # school -> (token, expires at)

    async def member(self, school_id: str, member_id: str) -> MemberOnRoll:
        request = archives_pb2.GetMemberRequest(school_id=school_id, member_id=member_id)
        try:
            reply = await self._archives().GetMember(
                request, metadata=bearer(self._token(school_id)), timeout=self.timeout_s
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
            self._channel = grpc.aio.insecure_channel(self.address, options=CHANNEL_OPTIONS)
            self._stub = archives_pb2_grpc.ArchiveServiceStub(self._channel)
        return self._stub

    def _token(self, school_id: str) -> str:
        token, expires_at = self._tokens.get(school_id, ("", 0.0))
        if expires_at - time.time() < TOKEN_RENEW_S:
            token = issue_token(
                self._secret,
                subject=SUBJECT,
                role=Role.SERVICE,
                school=school_id,
                ttl_s=TOKEN_TTL_S,
            )
            self._tokens[school_id] = (token, time.time() + TOKEN_TTL_S)
        return token

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close(grace=None)
            self._channel = self._stub = None
