"""The events are a contract with archives and scoring: every one names the member it
concerns, exports a JSON Schema, and no supervision event can carry a contact."""

from __future__ import annotations

from pathlib import Path

from contracts.pledges import registry

EXPECTED = {
    "PledgeMade",
    "PledgeApproved",
    "PledgeReturned",
    "PledgeRevised",
    "PledgeResubmitted",
    "PledgePublished",
    "PledgeWithdrawn",
    "FulfilmentReported",
    "FulfilmentVerified",
    "PledgeOverdue",
    "PledgeClosed",
    "RectificationRequired",
    "RectificationReported",
    "RectificationCompleted",
    "FeedbackGiven",
    "FeedbackVerified",
    "FeedbackDismissed",
}


def test_every_event_is_registered_and_names_its_member_and_pledge() -> None:
    assert {cls.event_type for cls in registry} == EXPECTED
    for cls in registry:
        assert {"member_id", "pledge_id"} <= set(cls.model_fields), cls.event_type
        assert cls.model_config.get("frozen"), cls.event_type


def test_no_feedback_event_has_room_for_a_contact() -> None:
    for cls in registry:
        assert "contact" not in cls.model_fields, cls.event_type


def test_verified_feedback_is_self_contained_for_its_consumers() -> None:
    verified = next(cls for cls in registry if cls.event_type == "FeedbackVerified")
    assert {"rating", "reviewer_kind", "pledge_id", "member_id"} <= set(verified.model_fields)


def test_every_event_exports_a_json_schema(tmp_path: Path) -> None:
    written = registry.write_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{name}.v1.json" for name in EXPECTED)
