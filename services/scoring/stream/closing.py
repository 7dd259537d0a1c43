"""Publication at a close, across partitions: a PeriodClosed is keyed by school and lands on
one partition, but the school's members live on all of them. Every partition answers a close
request with a frozen snapshot of each of its members on the close's roster (their branch, and
their evaluation if anything bears on the period) and its progress; the collector issues the
publication once every partition has answered and the watermarks say the input set is
complete: every archives store position up to the close's, and every pledges store position up
to the head pledges reported after the close was recorded (scoring.adapters.pledges_head), applied
on some partition, counted as distinct positions (scoring.stream.progress). Without a pledges
service to ask (`VANGUARD_SCORING_ASK_PLEDGES_HEAD=false`), pledges count as complete once
seen past the close time on every partition, or quiet there for the grace period.

A collection that is not ready asks every partition again
(scoring.handlers.close_requests) until it is; a reply lost with a worker, or left from before
a restart, is replaced by a newer one. The
publication's event id is deterministic (uuid5 over its stream and content), so a publication
recomputed after a restart or a broker's loss has the id of the one issued before, and the
evaluations topic's record of what was emitted (scoring.adapters.emitted) keeps it from being
sent twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.periods import PeriodKind
from kernel.envelope import Envelope
from scoring.domain.evaluation import Evaluation
from scoring.domain.facts import ARCHIVES, Fact
from scoring.domain.publication import Close, MemberSnapshot, build_publication
from scoring.domain.updates import envelope_for
from scoring.scorer import Scorer
from scoring.stream.progress import PartitionProgress


def close_of(envelope: Envelope) -> Close:
    return Close(
        school_id=envelope.school_id,
        period=envelope.data["period"],
        kind=PeriodKind(envelope.data["kind"]),
        event_id=str(envelope.event_id),
        position=envelope.position or 0,
        recorded_at=envelope.recorded_at.isoformat(),
    )


def close_to_json(close: Close) -> dict[str, Any]:
    return {**close.__dict__, "kind": close.kind.value}


def close_from_json(raw: dict[str, Any]) -> Close:
    return Close(**{**raw, "kind": PeriodKind(raw["kind"])})


@dataclass
class Collection:
    """The collector's state for one close."""

    close: Close
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)  # by partition
    issued: str = ""  # the PublicationIssued envelope JSON, once issued
    pledges_head: int | None = None  # the pledges store's head, asked after the close

    def ready(self, partitions: int, grace_s: float, *, ask_pledges: bool = True) -> bool:
        if len(self.replies) < partitions:
            return False
        # A reply without the count or the roster (an older worker's, left on the topic)
        # waits for a newer.
        if any("members" not in reply for reply in self.replies.values()):
            return False
        applied = [reply.get("archives_applied") for reply in self.replies.values()]
        if None in applied or sum(applied) != self.close.position:  # type: ignore[arg-type]
            return False
        if ask_pledges:
            return self._pledges_complete()
        return all(self._pledges_caught_up(reply, grace_s) for reply in self.replies.values())

    def _pledges_complete(self) -> bool:
        """Every pledges position up to the head asked after the close, counted by replies to
        a request that named that head."""
        head = self.pledges_head
        if head is None:
            return False
        replies = self.replies.values()
        if any(reply.get("pledges_head") != head for reply in replies):
            return False
        return sum(reply["pledges_applied"] for reply in replies) == head

    def _pledges_caught_up(self, reply: dict[str, Any], grace_s: float) -> bool:
        seen = reply["pledges_recorded_at"]
        past = bool(seen) and datetime.fromisoformat(seen) > datetime.fromisoformat(
            self.close.recorded_at
        )
        return past or reply["pledges_quiet_s"] >= grace_s

    def snapshots(self) -> list[MemberSnapshot]:
        by_member: dict[str, MemberSnapshot] = {}
        for partition in sorted(self.replies):
            for raw in self.replies[partition]["members"]:
                member = snapshot_from_json(raw)
                by_member[member.member_id] = member
        return list(by_member.values())


def close_request(close: Close, pledges_head: int | None) -> dict[str, Any]:
    """What every partition is asked: the close, and the pledges head to count up to."""
    return {"close": close_to_json(close), "pledges_head": pledges_head}


def request_from_json(raw: dict[str, Any]) -> tuple[Close, int | None]:
    if "close" not in raw:  # an older worker's request: the close alone
        return close_from_json(raw), None
    return close_from_json(raw["close"]), raw["pledges_head"]


def partition_reply(
    close: Close,
    pledges_head: int | None,
    partition: int,
    progress: PartitionProgress,
    pledges_quiet_s: float,
    snapshots: list[MemberSnapshot],
) -> dict[str, Any]:
    """One partition's answer to a close: the snapshots of its members on the close's roster
    and how far its inputs are (all taken at one moment)."""
    return {
        "close": close_to_json(close),
        "partition": partition,
        "archives_applied": progress.archives_up_to(close.position),
        "pledges_head": pledges_head,
        "pledges_applied": None if pledges_head is None else progress.pledges_up_to(pledges_head),
        "pledges_recorded_at": progress.pledges_recorded_at,
        "pledges_quiet_s": pledges_quiet_s,
        "members": [snapshot_to_json(member) for member in snapshots],
    }


def snapshot_to_json(snapshot: MemberSnapshot) -> dict[str, Any]:
    evaluation = snapshot.evaluation
    return {
        "member_id": snapshot.member_id,
        "branch_id": snapshot.branch_id,
        "evaluation": None if evaluation is None else evaluation.model_dump(mode="json"),
        "event_ids": snapshot.event_ids,
    }


def snapshot_from_json(raw: dict[str, Any]) -> MemberSnapshot:
    evaluation = raw["evaluation"]
    return MemberSnapshot(
        str(raw["member_id"]),
        str(raw["branch_id"]),
        None if evaluation is None else Evaluation.model_validate(evaluation),
        tuple(raw["event_ids"]),
    )


def publication_envelope(scorer: Scorer, collection: Collection) -> Envelope:
    close = collection.close
    rules = scorer.rulebook.for_period(close.school_id, scorer.scope(close.period).period)
    publication = build_publication(close, rules, collection.snapshots())
    stream = f"{close.school_id}/publication/{close.period}"
    return envelope_for(
        publication,
        school_id=close.school_id,
        stream_id=stream,
        version=1,
        key=close.school_id,
        cause=_close_fact(close),
        digest=publication.digest,
    )


def _close_fact(close: Close) -> Fact:
    stream = f"{close.school_id}/periods"
    return Fact(
        close.event_id, "PeriodClosed", ARCHIVES, close.position, close.recorded_at, stream, 1, {}
    )
