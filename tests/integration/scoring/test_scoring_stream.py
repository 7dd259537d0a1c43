"""The scoring worker against a real broker: events in, EvaluationUpdated out; redelivery
counts once; a no-op emits nothing; a period close issues a publication with its digest."""

from __future__ import annotations

from scoring_kit import Evaluations, Log, ScoringProcess, decode
from unit.scoring.story import Story
from unit.scoring.test_tiers import complete

from scoring.domain.publication import verify_digest


def test_events_update_the_member_evaluations(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    log.publish(complete(story, "m1", 10, 90))
    evaluations.wait_for(lambda _: _done(evaluations, school, "m1", "2026-10"))
    update = decode(evaluations.latest(school, "m1", "2026-10"))  # type: ignore[arg-type]
    assert (update.composite, update.stars, update.provisional) == (64.0, 1, False)
    versions = [
        e.stream_version for e in evaluations.of(school) if e.stream_id.endswith("m1/2026-10")
    ]
    assert versions == list(range(1, len(versions) + 1))


def _done(evaluations: Evaluations, school: str, member: str, period: str) -> bool:
    latest = evaluations.latest(school, member, period)
    return latest is not None and not latest.data["provisional"]


def test_redelivered_events_count_once_and_no_op_events_emit_nothing(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    events = [story.record("m2", "r1"), story.verify("m2", "r1", 4)]
    log.publish(events)
    evaluations.wait_for(lambda _: evaluations.latest(school, "m2", "AY2026") is not None)
    log.publish(events)  # redelivered, as a relay republishing after a broker loss would
    log.publish([story.record("m2", "r2"), story.reject("m2", "r2")])  # a no-op
    log.publish([story.assess("m2", "self", 80)])  # a change, after both
    evaluations.wait_for(lambda _: evaluations.latest(school, "m2", "2026-10").stream_version == 2)  # type: ignore[union-attr]
    seen = evaluations.settle()
    mine = [e for e in seen if e.school_id == school]
    assert len({e.event_id for e in mine}) == 4  # month, quarter, year, then the month again
    assert decode(evaluations.latest(school, "m2", "2026-10")).objective.points == 4.0  # type: ignore[arg-type]
    assert decode(evaluations.latest(school, "m2", "AY2026")).objective.points == 4.0  # type: ignore[arg-type]


def test_a_period_close_issues_the_publication(
    worker: ScoringProcess, log: Log, evaluations: Evaluations, story: Story, school: str
) -> None:
    log.publish([story.register("m3", "b1"), story.register("m4", "b2")])
    log.publish([*complete(story, "m3", 0, 98), *complete(story, "m4", 0, 40)])
    for n in range(4):  # 40 pledge points: the month's full objective scale
        log.publish([story.pledge("m3", f"p{n}"), story.pledge_closed("m3", f"p{n}", "fulfilled")])
    log.publish([story.close("2026-10", "month")])
    evaluations.wait_for(lambda _: bool(evaluations.of(school, "PublicationIssued")), 30)
    [issued] = {e.event_id: e for e in evaluations.of(school, "PublicationIssued")}.values()
    publication = decode(issued)
    assert issued.stream_id == f"{school}/publication/2026-10"
    assert [(e.member_id, e.stars) for e in publication.entries] == [
        ("m3", 5),
        ("m4", 0),
    ]  # 98.8 and 24
    assert publication.commendations == ("m3",)
    assert [(f.member_id, f.branch_id, f.reason) for f in publication.follow_up] == [
        ("m4", "b2", "below_threshold")
    ]
    assert verify_digest(publication)
