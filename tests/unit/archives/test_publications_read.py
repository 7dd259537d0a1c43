"""The archives read model keeps every version of a period's publication, in order, each
whole: the committee's view lists them all and marks what an amendment changed; the public's
公示 shows names, branches, standings and stars, never a composite. Fed through the projection
into a real SQLite file, read back through the queries and the gRPC messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archives.entrypoints.convert_publications import notice, publication
from archives.readmodel.projection import ArchiveProjection
from archives.readmodel.queries import ArchiveQueries
from contracts.digests import content_digest, inputs_digest, verify_payload
from contracts.registry import published
from kernel.envelope import Actor, Envelope, Role
from kernel.projection import ProjectionDb

SCHOOL = "s-pub"
PERIOD = "2026-10"
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
REGISTRY = published()


class Log:
    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.envelopes: list[Envelope] = []

    def event(self, stream: str, event_type: str, version: int = 1, **data: Any) -> Envelope:
        self.versions[stream] = self.versions.get(stream, 0) + 1
        moment = START + timedelta(minutes=len(self.envelopes))
        envelope = Envelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=version,
            school_id=SCHOOL,
            stream_id=f"{SCHOOL}/{stream}",
            stream_version=self.versions[stream],
            partition_key=str(data.get("member_id", stream)),
            occurred_at=moment,
            recorded_at=moment,
            actor=Actor(id="scoring", role=Role.SERVICE),
            correlation_id="c",
            data={"school_id": SCHOOL, **data} if stream == "school" else data,
        )
        self.envelopes.append(envelope)
        return envelope


def entry(member: str, standing: str, composite: float | None, stars: int | None) -> dict:
    missing = ["committee"] if standing == "provisional" else []
    return {
        "member_id": member,
        "branch_id": "b1",
        "standing": standing,
        "composite": composite,
        "stars": stars,
        "missing": missing,
    }


def document(entries: list[dict[str, Any]], **links: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "school_id": SCHOOL,
        "period": PERIOD,
        "kind": "month",
        "publication": "monthly_publication",
        "rules_version": "2026.1",
        "closed_by": "close-1",
        "close_position": 12,
        "entries": entries,
        "commendations": [e["member_id"] for e in entries if (e["stars"] or 0) >= 4],
        "follow_up": [
            {"member_id": e["member_id"], "branch_id": "b1", "reason": "no_activity"}
            for e in entries
            if e["standing"] == "no_activity"
        ],
        "input_events": 7,
        "inputs_digest": inputs_digest(["e1", "e2"]),
        **links,
    }
    return {**fields, "digest": content_digest(fields)}


@pytest.fixture
def read(tmp_path: Path) -> tuple[ProjectionDb, ArchiveQueries, Log]:
    path = tmp_path / "archive.db"
    db = ProjectionDb(path, ArchiveProjection())
    log = Log()
    log.event("school", "SchoolRegistered", name="长沙市一中")
    log.event("school", "BranchEstablished", branch_id="b1", name="语文支部")
    for member, name in (("m1", "李老师"), ("m2", "王老师"), ("m3", "张老师")):
        log.event(
            f"member/{member}", "MemberRegistered", member_id=member, name=name,
            branch_id="b1", roles=["teacher"], joined_party_on="2010-07-01",
        )  # fmt: skip
    feed(db, log.envelopes)
    return db, ArchiveQueries(path, REGISTRY), log


def feed(db: ProjectionDb, envelopes: list[Envelope]) -> None:
    with db.transaction():
        for envelope in envelopes:
            db.apply(envelope, REGISTRY.decode(envelope), isolated=False)


ISSUED = [
    entry("m1", "complete", 62.0, 1),
    entry("m2", "provisional", 10.0, None),
    entry("m3", "no_activity", None, None),
]


def test_every_version_is_kept_in_order_and_the_amended_entry_is_marked(
    read: tuple[ProjectionDb, ArchiveQueries, Log],
) -> None:
    db, queries, log = read
    issued_data = document(ISSUED)
    issued = log.event(f"publication/{PERIOD}", "PublicationIssued", version=2, **issued_data)
    amended_data = document(
        [entry("m1", "complete", 88.0, 4), *ISSUED[1:]],
        amends=str(issued.event_id),
        amends_digest=issued_data["digest"],
        appeal_id="a-1",
        member_id="m1",
    )
    amendment = log.event(f"publication/{PERIOD}", "PublicationAmended", **amended_data)
    feed(db, [issued, amendment])

    shown = publication(queries.publication(SCHOOL, PERIOD))
    assert [(v.event_type, v.version, v.event_id) for v in shown.versions] == [
        ("PublicationIssued", 1, str(issued.event_id)),
        ("PublicationAmended", 2, str(amendment.event_id)),
    ]
    original, current = shown.versions
    assert current == shown.current
    assert [(e.name, e.standing, e.stars, e.amended) for e in original.entries] == [
        ("李老师", "complete", 1, False),
        ("王老师", "provisional", 0, False),
        ("张老师", "no_activity", 0, False),
    ]
    assert original.entries[0].composite == 62.0 and not original.entries[1].HasField("stars")
    first = current.entries[0]
    assert (first.composite, first.stars, first.amended, first.appeal_id) == (88.0, 4, True, "a-1")
    assert (current.amends, current.appeal_id, current.member_id) == (
        str(issued.event_id),
        "a-1",
        "m1",
    )
    assert [(f.name, f.reason) for f in current.follow_up] == [("张老师", "no_activity")]
    assert (current.input_events, current.digest) == (7, amended_data["digest"])
    assert list(current.commendations) == ["m1"]
    assert verify_payload(issued_data) and verify_payload(amended_data)


def test_the_public_notice_shows_stars_of_complete_entries_and_no_composite(
    read: tuple[ProjectionDb, ArchiveQueries, Log],
) -> None:
    db, queries, log = read
    data = document(ISSUED)
    issued = log.event(f"publication/{PERIOD}", "PublicationIssued", version=2, **data)
    feed(db, [issued])

    shown = notice(queries.publication(SCHOOL, PERIOD))
    assert (shown.school_name, shown.period, shown.digest) == ("长沙市一中", PERIOD, data["digest"])
    assert [(e.name, e.branch_name, e.standing, e.HasField("stars")) for e in shown.entries] == [
        ("李老师", "语文支部", "complete", True),
        ("王老师", "语文支部", "provisional", False),
        ("张老师", "语文支部", "no_activity", False),
    ]
    assert "composite" not in {f.name for f in shown.entries[0].DESCRIPTOR.fields}


def test_a_period_without_a_publication_has_no_versions(
    read: tuple[ProjectionDb, ArchiveQueries, Log],
) -> None:
    _, queries, _ = read
    assert queries.publication(SCHOOL, PERIOD)["versions"] == []
