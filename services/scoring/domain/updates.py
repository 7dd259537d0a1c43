"""EvaluationUpdated envelopes with deterministic ids and bytes: the same update computed twice
(a redelivery, a restart, a rebuild) is the same message, which consumers drop by event id."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from contracts.scoring import EvaluationUpdated
from kernel.envelope import Actor, Envelope, Role
from kernel.events import DomainEvent, encode
from scoring.domain.evaluation import Evaluation
from scoring.domain.facts import Fact

NAMESPACE = uuid.UUID("6f1c1a8e-5c1e-4f57-9d3b-0a6e2b8f7c11")
SCORING = Actor(id="scoring", role=Role.SERVICE)


def content_hash(evaluation: Evaluation) -> str:
    text = json.dumps(evaluation.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def evaluation_stream(school_id: str, member_id: str, period: str) -> str:
    return f"{school_id}/evaluation/{member_id}/{period}"


def envelope_for(
    event: DomainEvent,
    *,
    school_id: str,
    stream_id: str,
    version: int,
    key: str,
    cause: Fact,
    digest: str,
) -> Envelope:
    when = datetime.fromisoformat(cause.recorded_at)
    return Envelope(
        event_id=uuid.uuid5(NAMESPACE, f"{stream_id}|{version}|{digest}"),
        event_type=event.event_type,
        schema_version=event.schema_version,
        school_id=school_id,
        stream_id=stream_id,
        stream_version=version,
        partition_key=key,
        occurred_at=when,
        recorded_at=when,
        actor=SCORING,
        correlation_id=cause.event_id,
        causation_id=cause.event_id,
        data=encode(event),
    )


def evaluation_updated(evaluation: Evaluation, version: int, cause: Fact, digest: str) -> Envelope:
    event = EvaluationUpdated(**evaluation.model_dump())
    stream = evaluation_stream(evaluation.school_id, evaluation.member_id, evaluation.period)
    return envelope_for(
        event,
        school_id=evaluation.school_id,
        stream_id=stream,
        version=version,
        key=evaluation.member_id,
        cause=cause,
        digest=digest,
    )
