"""The whole suite in containers, driven through gRPC only: a school with two branches and
twelve members lives a month (records from all three channels, assessments of every tier,
pledges through their whole PDCA lifecycle, verified public feedback); the committee closes the
month and the monthly publication (月度公示) appears, its digest the one a rebuild computes.
Stopping the suite and starting new containers on the same volumes loses nothing."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rounds import publications
from school import MEMBERS, MONTH, School, Stubs, comparable, wait_until
from suite import SERVICES, Suite

from contracts.scoring import PublicationIssued
from contracts.topics import EVALUATIONS
from kernel.broker import free_port
from scoring.domain.publication import verify_digest
from vanguard.archives.v1 import archives_pb2 as apb

pytestmark = pytest.mark.timeout(600)
SETTLE_S = 120.0


@dataclass
class Played:
    school: School
    archives: dict[str, apb.Archive]


def wait_for_publications(
    suite: Suite, school: str, count: int, topic: str = EVALUATIONS
) -> list[PublicationIssued]:
    deadline = time.monotonic() + SETTLE_S
    while len(found := publications(suite.kafka, school, topic)) < count:
        assert time.monotonic() < deadline, f"{len(found)} publications of {school}, not {count}"
        time.sleep(1.0)
    return found


def without_clock(archive: apb.Archive) -> apb.Archive:
    copy = apb.Archive()
    copy.CopyFrom(archive)
    copy.as_of = ""
    return copy


@pytest.fixture(scope="module")
def played(suite: Suite) -> Iterator[Played]:
    """The month lived and closed; the archives once every evaluation is published."""
    stubs = Stubs.connect({name: suite.address(name) for name in SERVICES})
    school = School(f"sc-{uuid.uuid4().hex[:8]}", suite.secret, stubs).found()
    school.story(list(MEMBERS), random.Random(6))
    wait_until(lambda: school.archive_mismatches(list(MEMBERS)), SETTLE_S, "archive mismatch")
    school.command("archives", "ClosePeriod", school.committee, period=MONTH.id)

    def unpublished() -> list[str]:
        return [
            member
            for member in MEMBERS
            if not any(
                e.period == MONTH.id and e.published for e in school.archive(member).evaluations
            )
        ]

    wait_until(unpublished, SETTLE_S, "members whose monthly evaluation is not published")
    print(f"\nstory: {school.acknowledged.commands} commands acknowledged through gRPC")
    try:
        yield Played(school, {m: school.archive(m) for m in MEMBERS})
    finally:
        stubs.close()


def test_a_closed_month_is_published_with_a_digest_a_rebuild_repeats(
    suite: Suite, played: Played
) -> None:
    school = played.school
    for name in SERVICES:
        suite.wait_docker_healthy(name)  # the images' HEALTHCHECK asks gRPC health
    for member, archive in played.archives.items():
        assert len(archive.records) == 3 and {r.channel for r in archive.records} == {
            "self_declared",
            "public_report",
            "branch_investigation",
        }, member
        assert [p.pdca_stage for p in archive.pledges] == ["done"], member
        [month] = [a for a in archive.assessments if a.period == MONTH.id]
        assert (month.has_self, month.peer_reviews, month.public_reviews, month.has_committee) == (
            True,
            3,
            1,
            True,
        )
        evaluation = school.evaluation(member)
        assert not evaluation.provisional and evaluation.peer_public_ballots == 4, member

    [issued] = wait_for_publications(suite, school.id, 1)
    assert issued.period == MONTH.id
    assert sorted(e.member_id for e in issued.entries) == sorted(MEMBERS)
    assert verify_digest(issued)

    # A rebuild: a second scoring worker with a group and tables of its own reads the log
    # from the start and issues the publication again, with the same digest. It writes to an
    # empty topic of its own: on vanguard.evaluations it would rightly send nothing (the
    # publication, with the same id, is there already).
    rebuild_port, rebuilt_topic = free_port(), f"rebuilt-{uuid.uuid4().hex[:6]}"
    suite.extra["rebuild"] = suite.service(
        "scoring",
        "scoring-rebuild",
        VANGUARD_SCORING_APP_ID=f"rebuild-{uuid.uuid4().hex[:6]}",
        VANGUARD_SCORING_PORT=str(rebuild_port),
        VANGUARD_SCORING_EVALUATIONS_TOPIC=rebuilt_topic,
    ).start()
    [again] = wait_for_publications(suite, school.id, 1, rebuilt_topic)
    assert again == issued  # the same content, digest included
    rebuilt = Stubs.connect(
        {"archives": suite.address("archives"), "pledges": suite.address("pledges"),
         "scoring": f"127.0.0.1:{rebuild_port}"}
    )  # fmt: skip
    try:
        twin = School(school.id, suite.secret, rebuilt)
        for member in MEMBERS:
            assert comparable(twin.evaluation(member)) == comparable(school.evaluation(member))
    finally:
        rebuilt.close()
    print(f"publication {issued.digest[:16]}… of {len(issued.entries)} members; rebuild agrees")


def test_stopping_and_starting_the_suite_on_the_same_volumes_loses_nothing(
    suite: Suite, played: Played
) -> None:
    school = played.school
    before = {m: school.evaluation(m) for m in MEMBERS}
    suite.stop()  # SIGTERM, containers removed; the data folders stay
    suite.start()  # new containers, same ports and volumes; a new, empty broker
    for member in MEMBERS:
        assert without_clock(school.archive(member)) == without_clock(played.archives[member])
    wait_until(
        lambda: [m for m in MEMBERS if school.evaluation(m) != before[m]],
        SETTLE_S,
        "evaluations differ after the restart",
    )
    # The suite still takes commands: the closed month refuses a record, a new member joins.
    school.command(
        "archives", "RegisterMember", school.committee, visible=True, member_id="m13",
        name="新教师", branch_id="b1", roles=["teacher"], joined_party_on="2020-07-01",
    )  # fmt: skip
    assert school.archive("m13").member.branch_id == "b1"
