"""Domain results → protobuf messages."""

from __future__ import annotations

from scoring.domain.contributions import Contribution
from scoring.domain.evaluation import Evaluation
from scoring.readmodel.rules import RulesLine
from scoring.snapshots import WhatIfLine
from vanguard.scoring.v1 import scoring_pb2 as pb


def evaluation_message(evaluation: Evaluation) -> pb.Evaluation:
    objective, tiers = evaluation.objective, evaluation.tiers
    by_source = {f"records.{k}": v for k, v in objective.records.items()}
    by_source.update(pledges=objective.pledges, feedback=objective.feedback, posts=objective.posts)
    return pb.Evaluation(
        school_id=evaluation.school_id,
        member_id=evaluation.member_id,
        period=evaluation.period,
        rules_version=evaluation.rules_version,
        objective_points=objective.points,
        objective_normalised=objective.normalised,
        objective_by_source=by_source,
        self_assessment=tiers.self_assessment,
        peer_public=tiers.peer_public,
        committee=tiers.committee,
        peer_public_ballots=tiers.peer_public_ballots,
        inputs=evaluation.inputs,
        provisional=evaluation.provisional,
        missing=list(evaluation.missing),
        composite=evaluation.composite,
        stars=evaluation.stars,
        follow_up=evaluation.follow_up,
    )


def contribution_message(line: Contribution) -> pb.Contribution:
    return pb.Contribution(
        event_id=line.event_id,
        event_type=line.event_type,
        part=line.part,
        amount=line.amount,
        rule=line.rule,
        counted=line.counted,
    )


def what_if_message(line: WhatIfLine) -> pb.WhatIfLine:
    return pb.WhatIfLine(**line.model_dump())


def rules_message(line: RulesLine) -> pb.RulesVersion:
    adoption = line.adoption
    return pb.RulesVersion(
        version=line.rules.version,
        effective_from=line.rules.effective_from.isoformat(),
        adopted=adoption is not None,
        adopted_at="" if adoption is None else adoption.adopted_at.isoformat(),
        adopted_by="" if adoption is None else adoption.adopted_by,
        event_id="" if adoption is None else adoption.event_id,
        in_force=line.in_force,
        rules_json=line.rules.model_dump_json(),
    )
