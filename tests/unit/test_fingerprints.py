"""Idempotency fingerprints are stored with every key: the same request must hash the same
across releases, or a client's retry after an upgrade would be refused as another request."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date

from archives import commands as ac
from contracts.archives import RecordVerified
from kernel.events import encode
from kernel.store import StoredCommand
from pledges import commands as c

REPORT = c.ReportFulfilment(
    "school-1", "p-1", (c.TargetFigure(1, 60),), "本周上了一节公开课", ("doc-1",)
)


def test_a_command_hashes_as_its_fields_did_through_asdict() -> None:
    body = json.dumps(dataclasses.asdict(REPORT), sort_keys=True, default=str, ensure_ascii=False)
    assert StoredCommand.fingerprint_of(REPORT) == hashlib.sha256(body.encode()).hexdigest()


def test_fingerprints_stored_by_earlier_releases_still_match() -> None:
    """Pinned values, computed by the release that stored them."""
    assert StoredCommand.fingerprint_of(REPORT) == (
        "5aeea0bb8b9d4198511df67921b70105be5b650675cc38ddd879e66539cc81d2"
    )
    assert StoredCommand.fingerprint_of(["school-1", "m-1", "ReportFulfilment", "key-1"]) == (
        "36614b976b6c3577fd45914cd51a7d45a797ecb978b2a838e58b9a664b374c1a"
    )
    assert StoredCommand.fingerprint_of({"on": date(2026, 5, 1), "n": 1.5}) == (
        "007612c0b892fc3473a77b78f04c70d894f1d143dbea0bc7f8fd77d7dcd1c84e"
    )


def test_a_field_added_later_leaves_requests_that_do_not_use_it_hashed_as_before() -> None:
    """`appeal_id` came after requests were stored with keys: empty, it is not hashed (the
    pinned value is what the release before it stored)."""
    verify = ac.VerifyRecord("school-1", "r-1", 5.0, "经支部核实")
    before = {
        "school_id": "school-1",
        "record_id": "r-1",
        "awarded_points": 5.0,
        "note": "经支部核实",
    }
    body = json.dumps(before, sort_keys=True, ensure_ascii=False)
    assert StoredCommand.fingerprint_of(verify) == hashlib.sha256(body.encode()).hexdigest()
    assert StoredCommand.fingerprint_of(verify) == (
        "c9648fe03b42db8f3b901454b22d91b30735e842cf06f6896f63bbb041338b7a"
    )
    appealed = dataclasses.replace(verify, appeal_id="a-1")
    assert StoredCommand.fingerprint_of(appealed) != StoredCommand.fingerprint_of(verify)


def test_an_event_field_added_later_is_stored_only_when_used() -> None:
    plain = RecordVerified(record_id="r-1", member_id="m-1", awarded_points=5, note="")
    assert encode(plain) == {
        "record_id": "r-1",
        "member_id": "m-1",
        "awarded_points": 5.0,
        "note": "",
    }
    appealed = plain.model_copy(update={"appeal_id": "a-1"})
    assert encode(appealed)["appeal_id"] == "a-1"
    assert RecordVerified.model_validate(encode(plain)) == plain
