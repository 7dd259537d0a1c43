"""Publications from a close's input set, their digests, explain and what-if."""

from __future__ import annotations

import json

from contracts.periods import PeriodKind
from scoring.domain.publication import Close, build_publication, verify_digest
from scoring.domain.rulebook import parse_versions
from scoring.scorer import Scorer
from scoring.snapshots import snapshot, what_if
from unit.scoring.kit import Members
from unit.scoring.story import Story
from unit.scoring.test_rules import DEFAULT
from unit.scoring.test_tiers import complete


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


def publish(members: Members, close: Close):
    snaps = [
        s for ledger in members.all_ledgers() if (s := snapshot(members.scorer, ledger, close))
    ]
    rules = members.scorer.rulebook.for_period(
        close.school_id, members.scorer.scope(close.period).period
    )
    return build_publication(close, rules, snaps)


def test_a_publication_lists_stars_commendations_and_follow_up(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    members.feed(*complete(story, "star", 0, 100), *complete(story, "weak", 0, 50))
    for n in range(4):  # 40 pledge points: the month's full objective scale
        members.feed(
            story.pledge("star", f"p{n}"), story.pledge_closed("star", f"p{n}", "fulfilled")
        )
    members.feed(story.assess("partial", "self", 100))
    publication = publish(members, close_of(story))
    assert [(e.member_id, e.stars) for e in publication.entries] == [
        ("partial", 0),  # 100 self over .5 of the weight: 20, provisional
        ("star", 5),
        ("weak", 0),
    ]
    assert publication.commendations == ("star",)  # provisional ones are not commended
    assert publication.follow_up == ("partial", "weak")
    assert publication.publication == "monthly_publication"
    assert verify_digest(publication)


def test_events_after_the_close_are_outside_the_input_set(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(*complete(story, "m1", 20, 80))
    close = close_of(story)
    before = publish(members, close)
    members.feed(story.assess("m1", "committee", 10), story.pledge("m1", "p1"))
    members.feed(story.pledge_closed("m1", "p1", "fulfilled"))
    after = publish(members, close)
    assert after.digest == before.digest and after.inputs_digest == before.inputs_digest


def test_a_tampered_publication_fails_its_digest(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(*complete(story, "m1", 20, 80))
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
