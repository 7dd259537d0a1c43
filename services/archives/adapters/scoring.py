"""Evaluations explained event by event, asked of scoring over gRPC
(`ScoringService.Explain`) with a service token for the school and a deadline. gRPC failures
become domain errors here; the reply is scoring's own message, which archives passes on."""

from __future__ import annotations

import grpc

from kernel.errors import DomainError, InvalidArgument, NotFound, Unavailable
from kernel.grpc.service_client import ServiceClient
from vanguard.scoring.v1 import scoring_pb2, scoring_pb2_grpc

SUBJECT = "archives"


class ScoringExplainer(ServiceClient[scoring_pb2_grpc.ScoringServiceStub]):
    def __init__(self, address: str, token_secret: str, *, timeout_s: float = 2.0) -> None:
        super().__init__(
            address,
            token_secret,
            SUBJECT,
            scoring_pb2_grpc.ScoringServiceStub,
            timeout_s=timeout_s,
        )

    async def explain(self, school_id: str, member_id: str, period: str) -> scoring_pb2.Explanation:
        request = scoring_pb2.EvaluationRequest(
            school_id=school_id, member_id=member_id, period=period
        )
        try:
            return await self.stub().Explain(
                request, metadata=self.metadata(school_id), timeout=self.timeout_s
            )
        except grpc.aio.AioRpcError as error:
            raise self._domain_error(error, member_id, period) from None

    def _domain_error(
        self, error: grpc.aio.AioRpcError, member_id: str, period: str
    ) -> DomainError:
        code = error.code()
        if code is grpc.StatusCode.NOT_FOUND:
            return NotFound(
                f"scoring has no evaluation of member {member_id} for {period} yet",
                field="member_id",
            )
        if code is grpc.StatusCode.INVALID_ARGUMENT:
            return InvalidArgument(error.details() or "refused by scoring", field="period")
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            return self.timed_out("scoring")
        # Down, starting, or refusing this service: the evaluation cannot be explained now.
        return Unavailable(f"scoring cannot explain the evaluation now ({code.name}); retry")
