"""What `vanguard publication verify` says of the versions of a period's publication on the
log: each digest recomputed over the payload as stored, and each amendment's link to the
version it amends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts.digests import content_digest
from kernel.envelope import Actor, Envelope, Role
from vanguard_cli.publication_views import check_lines
from vanguard_cli.verifying import check, documents_of

MOMENT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def version(event_type: str, n: int, **fields: Any) -> Envelope:
    body = {"school_id": "s1", "period": "2026-10", "entries": [{"member_id": "m1"}], **fields}
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=2 if event_type == "PublicationIssued" else 1,
        school_id="s1",
        stream_id="s1/publication/2026-10",
        stream_version=n,
        partition_key="s1",
        occurred_at=MOMENT,
        recorded_at=MOMENT,
        actor=Actor(id="scoring", role=Role.SERVICE),
        correlation_id="c",
        data={**body, "digest": content_digest(body)},
    )


def amendment_of(issued: Envelope, **changes: Any) -> Envelope:
    links = {"amends": str(issued.event_id), "amends_digest": issued.data["digest"]}
    return version("PublicationAmended", 2, appeal_id="a1", member_id="m1", **{**links, **changes})


def test_untouched_versions_match_and_their_link_holds() -> None:
    issued = version("PublicationIssued", 1)
    amended = amendment_of(issued)
    other_period = version("PublicationIssued", 1, period="2026-09")
    found = documents_of([amended, issued, issued, other_period], "s1", "2026-10")
    assert [d.event_id for d in found] == [issued.event_id, amended.event_id]
    checks = check(found)
    assert [c.matches for c in checks] == [True, True]
    assert all(line.startswith("match ") for line in check_lines(checks))


def test_a_payload_changed_under_its_digest_is_a_mismatch() -> None:
    issued = version("PublicationIssued", 1)
    tampered = issued.model_copy(update={"data": {**issued.data, "entries": []}})
    [result] = check([tampered])
    assert not result.matches and result.recomputed != result.digest
    assert check_lines([result])[0].startswith("MISMATCH")


def test_an_amendment_whose_link_does_not_hold_is_a_mismatch() -> None:
    issued = version("PublicationIssued", 1)
    wrong_digest = amendment_of(issued, amends_digest="0" * 64)
    assert check([issued, wrong_digest])[1].problems == (
        "amends_digest is not the digest of the version it amends",
    )
    assert "is not on the log" in check([amendment_of(issued)])[0].problems[0]
