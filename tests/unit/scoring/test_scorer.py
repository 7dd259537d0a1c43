"""Applying events: an update per period whose result changed, nothing for a no-op, each
event counted once, and a redelivered event re-sending exactly what it caused."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.scoring import registry
from kernel.errors import InvalidArgument
from scoring.domain.ledger import dump_ledgers, load_ledgers
from scoring.scorer import Scorer
from unit.scoring.kit import Members
from unit.scoring.story import Story


def test_a_verified_record_updates_its_month_quarter_and_year(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    assert members.feed(story.record("m1", "r1")) == []  # pending: changes nothing
    sent = members.feed(story.verify("m1", "r1", 4))
    assert [e.stream_id for e in sent] == [
        "school-1/evaluation/m1/2026-10",
        "school-1/evaluation/m1/2026-Q4",
        "school-1/evaluation/m1/AY2026",
    ]
    assert {(e.stream_version, e.partition_key, e.event_type) for e in sent} == {
        (1, "m1", "EvaluationUpdated")
    }
    update = registry.decode(sent[0])
    assert update.objective.points == 4.0 and update.provisional


def test_events_that_change_nothing_emit_nothing(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.record("m1", "r1"), story.verify("m1", "r1", 4))
    assert members.feed(story.correct("m1", "r1", 4)) == []
    assert (
        members.feed(story.archives("MemberLeft", "m1", branch_id="b", left_on="2026-10-09")) == []
    )
    assert members.feed(story.record("m1", "r2"), story.reject("m1", "r2")) == []
    assert members.feed(story.pledge("m1", "p1")) == []  # a pledge counts once it is closed
    second = members.feed(story.correct("m1", "r1", 6))
    assert [e.stream_version for e in second] == [2, 2, 2]


def test_a_redelivered_event_counts_once_and_resends_the_same_updates(
    story: Story, scorer: Scorer
) -> None:
    members = Members(scorer)
    record, verified = story.record("m1", "r1"), story.verify("m1", "r1", 4)
    first = members.feed(record, verified)
    later = members.feed(story.assess("m1", "self", 80))
    again = members.feed(record, verified)
    assert members.evaluation("m1").objective.points == 4.0
    assert [e.to_json() for e in again] == [e.to_json() for e in first]
    assert [e.stream_version for e in later] == [2]


def test_versions_stay_gapless_and_ids_deterministic_across_a_replay(
    story: Story, scorer: Scorer
) -> None:
    events = [
        story.record("m1", "r1"),
        story.verify("m1", "r1", 4),
        story.correct("m1", "r1", 2),
        story.assess("m1", "self", 80),
        story.assess("m1", "self", 80),
    ]
    run, rerun = Members(scorer), Members(scorer)
    run.feed(*events)
    rerun.feed(*events)
    assert [e.event_id for e in run.sent] == [e.event_id for e in rerun.sent]
    month = [e.stream_version for e in run.sent if e.stream_id.endswith("2026-10")]
    assert month == [1, 2, 3]


def test_a_ledger_survives_its_table_encoding(story: Story, scorer: Scorer) -> None:
    members = Members(scorer)
    members.feed(story.record("m1", "r1"), story.verify("m1", "r1", 4))
    restored = load_ledgers(dump_ledgers(members.ledgers["m1"]))
    assert restored["school-1"].facts == members.ledger("m1").facts
    assert restored["school-1"].emitted == members.ledger("m1").emitted
    assert restored["school-1"].index_of(members.ledger("m1").facts[1].event_id) == 1


def test_an_event_that_cannot_be_applied_changes_nothing(story: Story, scorer: Scorer) -> None:
    """A record dated in year 1 (no academic year before it to count in) and one with junk
    data raise without touching the ledger: the member's next events score as if the bad ones
    had never come, and the bad ones raise again when met again (a replay)."""
    members, clean = Members(scorer), Members(scorer)
    good = [story.record("m1", "r1"), story.verify("m1", "r1", 4)]
    members.feed(good[0])
    clean.feed(good[0])
    before = dump_ledgers(members.ledgers["m1"])
    ancient = story.record("m1", "r-old", on=date(1, 1, 1))
    junk = story.archives("AssessmentSubmitted", "m1", period="2026-10", tier="self", scores=7)
    for bad in (ancient, junk, ancient):
        with pytest.raises((InvalidArgument, TypeError, KeyError, AttributeError)):
            members.feed(bad)
        assert dump_ledgers(members.ledgers["m1"]) == before
    assert [e.to_json() for e in members.feed(good[1])] == [
        e.to_json() for e in clean.feed(good[1])
    ]
    first = Members(scorer)
    with pytest.raises(InvalidArgument):
        first.feed(ancient)  # a member's first event: no ledger is left behind
    assert first.ledgers == {"m1": {}}
