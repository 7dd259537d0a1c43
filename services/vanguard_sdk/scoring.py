"""The scoring client: a member's evaluation, its explanation event by event, what-if, and the
school's rules versions (listed, adopted)."""

from __future__ import annotations

import grpc

from vanguard.common.v1 import status_pb2
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc
from vanguard_sdk.base import ServiceClient
from vanguard_sdk.calls import Caller


class ScoringClient(ServiceClient):
    def __init__(self, channel: grpc.aio.Channel, caller: Caller, school_id: str) -> None:
        super().__init__(caller, school_id)
        self._stub = scoring_pb2_grpc.ScoringServiceStub(channel)

    async def get_status(self) -> status_pb2.ServiceStatus:
        return await self._query(self._stub.GetStatus, status_pb2.GetStatusRequest())

    async def get_evaluation(self, member_id: str, period: str) -> pb.Evaluation:
        request = pb.EvaluationRequest(school_id=self.school_id, member_id=member_id, period=period)
        return await self._query(self._stub.GetEvaluation, request)

    async def explain(self, member_id: str, period: str) -> pb.Explanation:
        """The evaluation with every event that contributed and the rule that applied."""
        request = pb.EvaluationRequest(school_id=self.school_id, member_id=member_id, period=period)
        return await self._query(self._stub.Explain, request)

    async def what_if(self, period: str, rules_json: str) -> pb.WhatIfReply:
        request = pb.WhatIfRequest(school_id=self.school_id, period=period, rules_json=rules_json)
        return await self._query(self._stub.WhatIf, request)

    async def list_rules(self) -> pb.ListRulesReply:
        """The school's rules versions, shipped and adopted, and which is in force today."""
        return await self._query(
            self._stub.ListRules, pb.ListRulesRequest(school_id=self.school_id)
        )

    async def adopt_rules(
        self, rules_json: str, timeout: float | None = None
    ) -> pb.AdoptRulesReply:
        """Adopt one rules version (committee). Safe to repeat: the same document again
        answers `already_adopted`."""
        request = pb.AdoptRulesRequest(school_id=self.school_id, rules_json=rules_json)
        return await self._query(self._stub.AdoptRules, request, timeout)
