"""Frozen closes and appeals in scoring: a closed period gets no more evaluation updates, and
an upheld appeal's facts amend the publication (a new document linked to the one it amends)."""

from __future__ import annotations

from contracts.digests import verify_payload
from contracts.scoring import PublicationAmended, PublicationIssued
from contracts.scoring import registry as scoring_events
from kernel.envelope import Envelope
from scoring.domain.publication import MemberSnapshot, amend_publication, verify_digest
from scoring.scorer import Scorer
from scoring.snapshots import close_snapshots
from scoring.stream.closing import (
    Collection,
    amendments_due,
    publication_envelope,
    snapshot_to_json,
)
from unit.scoring.kit import Members
from unit.scoring.story import Story
from unit.scoring.test_publication import close_of, publish
from unit.scoring.test_tiers import complete


def corrected(story: Story, member: str, points: float, appeal_id: str = "") -> Envelope:
    extra = {"appeal_id": appeal_id} if appeal_id else {}
    return story.archives(
        "RecordCorrected",
        member,
        record_id=f"{member}-r",
        awarded_points=points,
        reason="复核",
        **extra,
    )


def published(story: Story, scorer: Scorer) -> tuple[Members, Collection]:
    """m1 and m2 complete in 2026-10, the month closed and its publication issued."""
    members = Members(scorer)
    for member in ("m1", "m2"):
        members.feed(story.register(member, "b1"), *complete(story, member, 0, 80))
    close = close_of(story)
    snaps = close_snapshots(scorer, close, members.rosters.values(), members.ledger_or_none)
    collection = Collection(close, {"0": {"members": [snapshot_to_json(s) for s in snaps]}})
    collection.issued = publication_envelope(scorer, collection).model_dump_json()
    return members, collection


def test_an_amendment_replaces_one_entry_and_links_the_version_it_amends(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    for member in ("m1", "m2"):
        members.feed(story.register(member, "b1"), *complete(story, member, 0, 80))
    close = close_of(story)
    issued = publish(members, close)
    members.feed(corrected(story, "m1", 100, "a-1"))
    evaluation, _ = scorer.evaluate(members.ledger("m1"), close.period)
    snapshot = MemberSnapshot("m1", "b1", evaluation, ())
    ids = ["e1", "e2", close.event_id, "appeal-fact"]

    rules = scorer.rulebook.for_period(close.school_id, scorer.scope(close.period).period)
    amended = amend_publication(issued, "evt-issued", snapshot, rules, ids, "a-1")

    before = {e.member_id: e for e in issued.entries}
    after = {e.member_id: e for e in amended.entries}
    assert after["m2"] == before["m2"]
    assert (before["m1"].composite, before["m1"].stars) != (
        after["m1"].composite,
        after["m1"].stars,
    )
    assert [f.member_id for f in issued.follow_up] == ["m1", "m2"]  # both below one star
    assert after["m1"].stars and [f.member_id for f in amended.follow_up] == ["m2"]
    assert (amended.amends, amended.amends_digest) == ("evt-issued", issued.digest)
    assert (amended.appeal_id, amended.member_id) == ("a-1", "m1")
    assert (amended.closed_by, amended.rules_version) == (issued.closed_by, issued.rules_version)
    assert amended.input_events == 4 and amended.digest != issued.digest
    assert verify_digest(amended) and verify_payload(amended.model_dump(mode="json"))


def test_a_closed_period_gets_no_more_updates_but_the_open_ones_it_lies_in_do(
    story: Story, scorer: Scorer
) -> None:
    members, collection = published(story, scorer)
    close = collection.close
    ledgers = members.ledgers["m1"]

    late = scorer.apply(
        ledgers, corrected(story, "m1", 90), lambda p: close if p == "2026-10" else None
    )

    periods = {u.data["period"] for u in late}
    assert "2026-10" not in periods and periods  # the quarter and the year still move
    assert members.ledger("m1").facts[-1].event_type == "RecordCorrected"  # kept for an appeal


def test_an_appeal_fact_amends_the_publication_once_and_a_rebuild_gives_the_same(
    story: Story, scorer: Scorer
) -> None:
    members, collection = published(story, scorer)
    issued = Envelope.from_json(collection.issued)
    members.feed(corrected(story, "m2", 10))  # late, under no appeal: amends nothing
    assert amendments_due(scorer, collection, list(members.all_ledgers())).envelopes == []
    members.feed(corrected(story, "m1", 100, "a-1"))

    due = amendments_due(scorer, collection, list(members.all_ledgers()))
    due.keep(collection)
    again = amendments_due(scorer, collection, list(members.all_ledgers()))
    rebuilt = Collection(collection.close, collection.replies, issued=collection.issued)
    replayed = amendments_due(scorer, rebuilt, list(members.all_ledgers()))

    [envelope] = due.envelopes
    amended = scoring_events.decode(envelope)
    original = scoring_events.decode(issued)
    assert isinstance(amended, PublicationAmended) and isinstance(original, PublicationIssued)
    assert (envelope.event_type, envelope.stream_id, envelope.stream_version) == (
        "PublicationAmended",
        issued.stream_id,
        2,
    )
    assert (amended.amends, amended.amends_digest) == (str(issued.event_id), original.digest)
    assert amended.input_events == original.input_events + 1  # the appeal's fact
    assert again.envelopes == []
    assert [e.event_id for e in replayed.envelopes] == [envelope.event_id]


def test_an_appeal_fact_that_changes_nothing_issues_no_amendment(
    story: Story, scorer: Scorer
) -> None:
    members, collection = published(story, scorer)
    members.feed(corrected(story, "m1", 0, "a-1"))  # the points it already had
    due = amendments_due(scorer, collection, list(members.all_ledgers()))
    assert due.envelopes == [] and len(due.appealed) == 1


def test_a_pledge_fact_after_the_close_counts_only_in_the_open_periods_holding_its_month(
    story: Story, scorer: Scorer
) -> None:
    """Pledges know no periods' closes: scoring keeps the closed month as published."""
    members = Members(scorer)
    members.feed(story.register("m1", "b1"), story.pledge("m1", "p1"))
    close = close_of(story)
    late = scorer.apply(
        members.ledgers["m1"],
        story.pledge_closed("m1", "p1", "fulfilled"),
        lambda period: close if period == close.period else None,
    )
    assert sorted(u.data["period"] for u in late) == ["2026-Q4", "AY2026"]
    after = publish(members, close)
    assert {e.member_id: e.standing.value for e in after.entries} == {"m1": "no_activity"}
