"""gRPC entrypoint of scoring: thin methods over the queries. A member's evaluation is read by
whoever may read their archive: the member, a secretary of their branch (as scoring learnt it
from MemberRegistered / MemberTransferred), the committee and services of the school."""

from __future__ import annotations

from typing import Any

from kernel import validation as v
from kernel.auth import (
    Principal,
    current_correlation_id,
    current_principal,
    require_member_reader,
    require_role,
    require_school,
)
from kernel.envelope import Actor, Role
from kernel.grpc.status import StatusMixin, StatusSource
from scoring.entrypoints.convert import (
    contribution_message,
    evaluation_message,
    rules_message,
    what_if_message,
)
from scoring.handlers.rules import RulesHandler
from scoring.readmodel.queries import LedgerSource, explain, replay_under
from scoring.readmodel.rules import rules_line, rules_listing
from scoring.scorer import Scorer
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard.scoring.v1 import scoring_pb2_grpc


def school_of(principal: Principal, requested: str) -> str:
    school = requested or principal.school_id or ""
    require_school(principal, v.identifier(school, "school_id"))
    return school


class ScoringApi(StatusMixin, scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(
        self, runtime: StatusSource, scorer: Scorer, ledgers: LedgerSource, rules: RulesHandler
    ) -> None:
        self.runtime = runtime
        self.scorer = scorer
        self.ledgers = ledgers
        self.rules = rules

    def _explain(self, request: pb.EvaluationRequest) -> Any:
        principal = current_principal()
        school = school_of(principal, request.school_id)
        v.identifier(request.member_id, "member_id")
        branch = self.ledgers.branch(school, request.member_id)
        require_member_reader(principal, school, request.member_id, branch)
        return explain(self.scorer, self.ledgers, school, request.member_id, request.period)

    async def GetEvaluation(self, request: pb.EvaluationRequest, context: Any) -> pb.Evaluation:
        evaluation, _ = self._explain(request)
        return evaluation_message(evaluation)

    async def Explain(self, request: pb.EvaluationRequest, context: Any) -> pb.Explanation:
        evaluation, lines = self._explain(request)
        return pb.Explanation(
            evaluation=evaluation_message(evaluation),
            contributions=[contribution_message(line) for line in lines],
        )

    async def WhatIf(self, request: pb.WhatIfRequest, context: Any) -> pb.WhatIfReply:
        principal = current_principal()
        require_role(principal, Role.COMMITTEE, Role.SERVICE)
        school = school_of(principal, request.school_id)
        current, candidate, lines = replay_under(
            self.scorer, self.ledgers, school, request.period, request.rules_json
        )
        return pb.WhatIfReply(
            current_rules_version=current,
            candidate_rules_version=candidate,
            members=[what_if_message(line) for line in lines],
        )

    async def AdoptRules(self, request: pb.AdoptRulesRequest, context: Any) -> pb.AdoptRulesReply:
        principal = current_principal()
        require_role(principal, Role.COMMITTEE)
        school = school_of(principal, request.school_id)
        actor = Actor(id=principal.subject, role=principal.role)
        version, known = await self.rules.adopt(
            school, request.rules_json, actor, current_correlation_id()
        )
        line = rules_line(self.scorer.rulebook, school, version, self.rules.today())
        return pb.AdoptRulesReply(rules=rules_message(line), already_adopted=known)

    async def ListRules(self, request: pb.ListRulesRequest, context: Any) -> pb.ListRulesReply:
        principal = current_principal()
        require_role(principal, Role.MEMBER, Role.SECRETARY, Role.COMMITTEE, Role.SERVICE)
        school = school_of(principal, request.school_id)
        lines = rules_listing(self.scorer.rulebook, school, self.rules.today())
        return pb.ListRulesReply(versions=[rules_message(line) for line in lines])
