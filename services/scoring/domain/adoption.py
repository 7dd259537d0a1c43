"""Adopting a rules version (评分细则): what the committee may adopt, and the RulesAdopted
event that records it.

A version is one JSON document in the rules file format. It takes effect on the first day of
a month after today, and only while no period starting on or after that day (month, quarter or
academic year) has been scored or closed: a version that would reach an evaluation already
emitted or a publication already issued is refused, so adopting never rewrites a result. A
version name is adopted once per school: the same document again is answered as adopted
already, another document under a taken name is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from contracts.digests import content_digest
from contracts.periods import Period
from contracts.scoring import RulesAdopted, registry
from kernel.envelope import Actor, Envelope
from kernel.errors import AlreadyExists, InvalidArgument, PreconditionFailed, quoted
from kernel.events import encode
from scoring.domain.rulebook import RuleBook, parse_versions
from scoring.domain.rules import Rules
from scoring.domain.updates import NAMESPACE

FIELD = "rules_json"


@dataclass(frozen=True)
class Adoption:
    """An adopted version as scoring keeps it: the rules and who adopted them, when."""

    rules: Rules
    event_id: str
    adopted_at: datetime
    adopted_by: str


def candidate_of(rules_json: str) -> Rules:
    """The one version a request carries, validated; errors name the field at fault."""
    versions = parse_versions(rules_json, field=FIELD)
    if len(versions) != 1:
        raise InvalidArgument("adopt one rules version at a time", field=FIELD)
    return versions[0]


def known_as(rulebook: RuleBook, school_id: str, candidate: Rules) -> bool:
    """True when the school has this very version already (adopted or shipped); raises
    AlreadyExists when the name is taken by other content."""
    existing = rulebook.named(school_id, candidate.version)
    if existing is None:
        return False
    if existing != candidate:
        raise AlreadyExists(
            f"rules version {quoted(candidate.version)} exists with other content; "
            "adopt the change under a new version name",
            field=f"{FIELD}.version",
        )
    return True


def check_effective_from(candidate: Rules, today: date, settled: Iterable[Period]) -> None:
    """`settled`: the school's periods already scored or closed. Raises unless the version
    starts a month after today and reaches none of them."""
    field, day = f"{FIELD}.effective_from", candidate.effective_from
    if day.day != 1:
        raise InvalidArgument(f"{day} is not the first day of a month", field=field)
    if day <= today:
        raise PreconditionFailed(
            f"{day} is not after today ({today}): a rules version takes effect from a "
            "future period",
            field=field,
        )
    reached = sorted((p for p in settled if p.start >= day), key=lambda p: p.start)
    if reached:
        raise PreconditionFailed(
            f"period {reached[0].id} starts on or after {day} and is already scored or "
            "closed; its result may not change",
            field=field,
        )


def rules_adopted(
    school_id: str,
    rules: Rules,
    *,
    stream_version: int,
    adopted_by: Actor,
    at: datetime,
    correlation_id: str,
) -> Envelope:
    """The RulesAdopted envelope. Its id is fixed by stream, version and content, so the same
    adoption sent twice (a re-send from the journal) is one message to every reader."""
    event = RulesAdopted(
        school_id=school_id,
        rules_version=rules.version,
        effective_from=rules.effective_from,
        rules=rules.model_dump(mode="json"),
        adopted_by=adopted_by.id,
        adopted_at=at,
    )
    stream = rules_stream(school_id)
    digest = content_digest(event.rules)
    return Envelope(
        event_id=uuid.uuid5(NAMESPACE, f"{stream}|{stream_version}|{digest}"),
        event_type=event.event_type,
        schema_version=event.schema_version,
        school_id=school_id,
        stream_id=stream,
        stream_version=stream_version,
        partition_key=stream,
        occurred_at=at,
        recorded_at=at,
        actor=adopted_by,
        correlation_id=correlation_id,
        data=encode(event),
    )


def rules_stream(school_id: str) -> str:
    return f"{school_id}/rules"


def adoption_of(envelope: Envelope) -> Adoption:
    """The adoption a RulesAdopted envelope records (raises on one that does not decode)."""
    event = registry.decode(envelope)
    assert isinstance(event, RulesAdopted)
    rules = Rules.model_validate(event.rules)
    return Adoption(rules, str(envelope.event_id), event.adopted_at, event.adopted_by)
