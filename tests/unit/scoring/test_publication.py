"""Publications from a close's input set: every member of the roster in one standing, the
commendations and follow-ups, their digests; explain and what-if."""

from __future__ import annotations

import json
from datetime import date

from contracts.digests import inputs_digest, verify_payload
from contracts.periods import PeriodKind
from contracts.scoring import PublicationIssued
from kernel.events import encode
from scoring.domain.publication import Close, build_publication, verify_digest
from scoring.domain.rulebook import parse_versions
from scoring.scorer import Scorer
from scoring.snapshots import close_snapshots, what_if
from unit.scoring.kit import Members
from unit.scoring.story import Story
from unit.scoring.test_rules import DEFAULT
from unit.scoring.test_tiers import (
    complete,
    fulfilled_pledges,
    only_objective_points,
    only_self_assessed,
    two_of_three_peer_ballots,
)


def close_of(story: Story, period: str = "2026-10") -> Close:
    envelope = story.close(period, "month")
    return Close(
        story.school,
        period,
        PeriodKind.MONTH,
        str(envelope.event_id),
        envelope.position or 0,
        envelope.recorded_at.isoformat(),
    )


def publish(members: Members, close: Close) -> PublicationIssued:
    snaps = close_snapshots(members.scorer, close, members.rosters.values(), members.ledger_or_none)
    rules = members.scorer.rulebook.for_period(
        close.school_id, members.scorer.scope(close.period).period
    )
    return build_publication(close, rules, snaps)


def test_a_publication_lists_every_member_of_the_roster_in_one_standing(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    for member, branch in [("star", "b1"), ("weak", "b1"), ("objective", "b1"), ("pending", "b1")]:
        members.feed(story.register(member, branch))
    for member in ("ballots", "self50", "idle"):
        members.feed(story.register(member, "b2"))
    members.feed(*complete(story, "star", 0, 100), *fulfilled_pledges(story, "star"))
    members.feed(*complete(story, "weak", 0, 40))
    members.feed(*only_objective_points(story, "objective"))
    members.feed(*two_of_three_peer_ballots(story, "ballots"))
    members.feed(*only_self_assessed(story, "self50"))
    members.feed(story.record("pending", "r-pending"))  # never verified: nothing counts
    members.feed(story.register("moved", "b1"), story.transfer("moved", "b1", "b2"))
    members.feed(story.register("gone", "b1"), story.left("gone", "b1", date(2026, 9, 30)))
    members.feed(story.assess("gone", "self", 90))  # left before the period: not on its roster
    members.feed(story.assess("stranger", "self", 90))  # never registered: not on it either
    publication = publish(members, close_of(story))
    shown = [
        (e.member_id, e.branch_id, e.standing.value, e.composite, e.stars)
        for e in publication.entries
    ]
    assert shown == [
        ("ballots", "b2", "provisional", 97.5, None),  # 2 of 3 peer ballots
        ("idle", "b2", "no_activity", None, None),  # registered, no event at all
        ("moved", "b2", "no_activity", None, None),  # in the branch it was transferred to
        ("objective", "b1", "provisional", 100.0, None),  # objective points, no tier
        ("pending", "b1", "no_activity", None, None),
        ("self50", "b2", "provisional", 10.0, None),  # self-assessed 50 only
        ("star", "b1", "complete", 100.0, 5),
        ("weak", "b1", "complete", 24.0, 0),
    ]
    entries = {e.member_id: e for e in publication.entries}
    assert entries["self50"].missing == ("peer_public", "committee")
    assert entries["star"].missing == ()
    assert publication.commendations == ("star",)  # never a provisional one
    assert [(f.member_id, f.branch_id, f.reason.value) for f in publication.follow_up] == [
        ("idle", "b2", "no_activity"),
        ("moved", "b2", "no_activity"),
        ("pending", "b1", "no_activity"),
        ("weak", "b1", "below_threshold"),  # self50 at 10.0 is provisional: not flagged
    ]
    assert publication.publication == "monthly_publication"
    assert verify_digest(publication) and verify_payload(encode(publication))


def test_a_no_activity_entry_rests_on_the_members_roster_events(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    register, transfer = story.register("m1", "b1"), story.transfer("m1", "b1", "b2")
    members.feed(register, transfer)
    close = close_of(story)
    publication = publish(members, close)
    assert publication.input_events == 3  # the registration, the transfer and the close
    assert publication.inputs_digest == inputs_digest(
        [str(register.event_id), str(transfer.event_id), close.event_id]
    )


def test_events_after_the_close_are_outside_the_input_set(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.register("m1", "b1"), *complete(story, "m1", 20, 80))
    close = close_of(story)
    before = publish(members, close)
    members.feed(story.assess("m1", "committee", 10), story.pledge("m1", "p1"))
    members.feed(story.pledge_closed("m1", "p1", "fulfilled"))
    members.feed(story.transfer("m1", "b1", "b2"), story.register("m2", "b1"))
    after = publish(members, close)
    assert after.digest == before.digest and after.inputs_digest == before.inputs_digest
    assert [(e.member_id, e.branch_id) for e in after.entries] == [("m1", "b1")]


def test_a_tampered_publication_fails_its_digest(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.register("m1", "b1"), *complete(story, "m1", 20, 80))
    publication = publish(members, close_of(story))
    tampered = publication.model_copy(update={"commendations": ("m1",)})
    assert not verify_digest(tampered)


def test_explain_names_every_contributing_event_and_its_rule(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.record("m1", "r1", channel="public_report"), story.verify("m1", "r1", 5))
    members.feed(*(story.assess("m1", "peer", s, ballot=f"b{s}") for s in (10, 70, 80, 90, 99)))
    _, lines = scorer.evaluate(members.ledger("m1"), "2026-10")
    record = [line for line in lines if line.part.startswith("objective.records")]
    assert [(r.event_type, r.amount) for r in record] == [("RecordVerified", 6.0)]
    assert "× 1.2" in record[0].rule
    dropped = sorted(line.amount for line in lines if not line.counted)
    assert dropped == [10.0, 99.0]


def test_what_if_compares_current_and_candidate_rules_without_changing_anything(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    members.feed(*complete(story, "m1", 10, 90))
    sent_before = list(members.sent)
    candidate = parse_versions(
        json.dumps(
            {
                **DEFAULT,
                "version": "candidate",
                "weights": {
                    "objective": 0.1,
                    "self_assessment": 0.1,
                    "peer_public": 0.2,
                    "committee": 0.6,
                },
            }
        )
    )[0]
    [line] = what_if(scorer, members.all_ledgers(), "2026-10", candidate)
    assert (line.old_composite, line.old_stars) == (64.0, 1)
    assert (line.new_composite, line.new_stars) == (83.5, 3)
    assert members.sent == sent_before
    assert members.evaluation("m1").composite == 64.0
