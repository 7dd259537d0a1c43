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
from contracts.scoring import PublicationDocument
from contracts.scoring import registry as scoring_events
from kernel.envelope import Envelope
from scoring.domain.evaluation import Evaluation
from scoring.domain.facts import ARCHIVES, Fact
from scoring.domain.ledger import MemberLedger
from scoring.domain.publication import (
    Close,
    MemberSnapshot,
    amend_publication,
    build_publication,
)
from scoring.domain.rules import Rules
from scoring.domain.touched import touched_periods
from scoring.domain.updates import envelope_for
from scoring.scorer import Scorer
from scoring.snapshots import bearing_on
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
    amendments: list[str] = field(default_factory=list)  # PublicationAmended envelope JSONs
    appealed: list[str] = field(default_factory=list)  # ids of the appeal facts taken in

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
    publication = build_publication(close, _rules(scorer, close), collection.snapshots())
    return envelope_for(
        publication,
        school_id=close.school_id,
        stream_id=_stream(close),
        version=1,
        key=close.school_id,
        cause=_close_fact(close),
        digest=publication.digest,
    )


# -- amendments: upheld appeals (申诉) ----------------------------------------------------------


@dataclass(frozen=True)
class Amendments:
    """What taking in a close's new appeal facts gives: the PublicationAmended envelopes to
    send, and the collection's lists with them (assigned by the caller, all at once)."""

    envelopes: list[Envelope]
    amendments: list[str]
    appealed: list[str]

    def keep(self, collection: Collection) -> None:
        collection.amendments = self.amendments
        collection.appealed = self.appealed


def appeal_facts(ledger: MemberLedger, close: Close, year_start_month: int) -> list[Fact]:
    """The member's facts recorded under an appeal (`appeal_id`) after the close that bear on
    its period: archives refuse any other change to a closed period."""
    return [
        fact
        for i, fact in enumerate(ledger.facts)
        if fact.data.get("appeal_id")
        and not close.admits(fact)
        and close.period in touched_periods(fact, ledger.facts[:i], year_start_month)
    ]


def amendments_due(
    scorer: Scorer, collection: Collection, ledgers: list[MemberLedger]
) -> Amendments:
    """The amendments a published close owes for appeal facts not yet taken in (of the
    `ledgers` given), in archives store order, each amending the version before it. A fact
    that leaves the member's entry as it is is taken in (its id counts in the next input set)
    with no amendment. Deterministic: a rebuild from the topics issues the same envelopes
    (same ids), which the evaluations topic's record of what was emitted keeps from being sent
    twice — provided the appeals' facts are taken in in the same order, which holds since
    they arrive in store order on their partitions, minutes apart."""
    amendments, appealed = list(collection.amendments), list(collection.appealed)
    envelopes: list[Envelope] = []
    close = collection.close
    if not collection.issued:
        return Amendments(envelopes, amendments, appealed)
    due = sorted(
        (
            (fact, ledger)
            for ledger in ledgers
            if ledger.school_id == close.school_id
            for fact in appeal_facts(ledger, close, scorer.year_start_month)
            if fact.event_id not in appealed
        ),
        key=lambda pair: pair[0].order,
    )
    for fact, ledger in due:
        appealed.append(fact.event_id)
        latest = Envelope.from_json(amendments[-1] if amendments else collection.issued)
        envelope = _amendment(scorer, collection, latest, ledger, fact, appealed, len(amendments))
        if envelope is not None:
            amendments.append(envelope.model_dump_json())
            envelopes.append(envelope)
    return Amendments(envelopes, amendments, appealed)


def _amendment(
    scorer: Scorer,
    collection: Collection,
    latest: Envelope,
    ledger: MemberLedger,
    fact: Fact,
    appealed: list[str],
    earlier: int,
) -> Envelope | None:
    close = collection.close
    document = scoring_events.decode(latest)
    assert isinstance(document, PublicationDocument)
    entry = next((e for e in document.entries if e.member_id == ledger.member_id), None)
    if entry is None:  # not on the close's roster: nothing published to amend
        return None
    taken = set(appealed)
    upto = ledger.facts[: (ledger.index_of(fact.event_id) or 0) + 1]
    facts = [f for f in upto if close.admits(f) or f.event_id in taken]
    bearing = bearing_on(facts, close.period, scorer.year_start_month)
    evaluation = scorer.evaluate(ledger, close.period, facts)[0] if bearing else None
    snapshot = MemberSnapshot(ledger.member_id, entry.branch_id, evaluation, ())
    event_ids = [i for s in collection.snapshots() for i in s.event_ids]
    event_ids += [close.event_id, *appealed]
    amended = amend_publication(
        document,
        str(latest.event_id),
        snapshot,
        _rules(scorer, close),
        event_ids,
        str(fact.data["appeal_id"]),
    )
    if amended.entries == document.entries:
        return None
    return envelope_for(
        amended,
        school_id=close.school_id,
        stream_id=_stream(close),
        version=2 + earlier,
        key=close.school_id,
        cause=fact,
        digest=amended.digest,
    )


def _rules(scorer: Scorer, close: Close) -> Rules:
    return scorer.rulebook.for_period(close.school_id, scorer.scope(close.period).period)


def _stream(close: Close) -> str:
    return f"{close.school_id}/publication/{close.period}"


def _close_fact(close: Close) -> Fact:
    stream = f"{close.school_id}/periods"
    return Fact(
        close.event_id, "PeriodClosed", ARCHIVES, close.position, close.recorded_at, stream, 1, {}
    )
