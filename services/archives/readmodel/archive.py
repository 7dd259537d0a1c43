"""The performance archive (业绩档案) of one member as a pure fold over the events that
concern them. The live read model and `GetArchive(as_of)` use this same fold, so an archive
rebuilt from the log is identical to the one kept live.

An archive is the member's profile and counters, and sections of entries keyed by id (records
by record id, assessments by period, …). Folding an event says which entries it changed, so
the read model writes only those (see `archive_rows`)."""

from __future__ import annotations

from typing import Any

from archives.readmodel.engagement import FOLDS, Archive, Changed, EntryKey, Fold
from kernel.envelope import Envelope
from kernel.store.sqlite import timestamp

__all__ = ["MEMBER_EVENTS", "SECTIONS", "Archive", "Changed", "EntryKey", "apply", "empty_archive"]

#: The archive's sections of entries, each a dict keyed by the entry's id, in the order the
#: entries were first made. `pledge_progress` is what each pledge's PDCA stage is derived from.
SECTIONS = (
    "records",
    "posts",
    "assessments",
    "pledges",
    "pledge_progress",
    "evaluations",
    "appeals",
)


def empty_archive(school_id: str, member_id: str) -> Archive:
    return {
        "member": {
            "school_id": school_id,
            "member_id": member_id,
            "name": "",
            "branch_id": "",
            "roles": [],
            "joined_party_on": "",
            "active": False,
            "version": 0,
        },
        **{section: {} for section in SECTIONS},
        "verified_points": 0.0,
        "events": 0,
        "event_ids": [],
        "as_of": "",
    }


def _trail(
    archive: Archive, envelope: Envelope, note: str = "", points: float = 0.0
) -> dict[str, Any]:
    return {
        "event_type": envelope.event_type,
        "actor_role": envelope.actor.role.value,
        "recorded_at": archive["as_of"],  # the event's own time: `apply` sets it first
        "note": note,
        "points": points,
    }


def _assessment_period(archive: Archive, period: str) -> dict[str, Any]:
    return archive["assessments"].setdefault(
        period,
        {"period": period, "self": None, "peer_reviews": 0, "public_reviews": 0, "committee": None},
    )


def _award(archive: Archive, record: dict[str, Any], points: float) -> None:
    """Set the record's awarded points, and the archive's verified points with them: the sum
    over verified records, kept as records change rather than summed again each time."""
    if record["status"] == "verified":
        change = points - record["awarded_points"]
        archive["verified_points"] = round(archive["verified_points"] + change, 4)
    record["awarded_points"] = points


def apply(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed | None:
    """Fold one event (its body upcast to the current schema) into the archive. Returns the
    entries it changed (the profile and counters change with every event), or None when the
    event does not concern the archive."""
    handler = _HANDLERS.get(envelope.event_type)
    if handler is None:
        return None
    archive["events"] += 1
    archive["event_ids"].append(str(envelope.event_id))
    archive["as_of"] = timestamp(envelope.recorded_at)  # UTC, fixed width: text order is time
    return handler(archive, envelope, data)


# -- members: the profile lives on the member row, which every event changes --------------


def _registered(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["member"].update(
        name=data["name"],
        branch_id=data["branch_id"],
        roles=list(data["roles"]),
        joined_party_on=data["joined_party_on"],
        active=True,
        version=envelope.stream_version,
    )
    return ()


def _transferred(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["member"].update(branch_id=data["to_branch_id"], version=envelope.stream_version)
    return ()


def _left(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["member"].update(active=False, version=envelope.stream_version)
    return ()


# -- records -------------------------------------------------------------------------------


def _recorded(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["records"][data["record_id"]] = {
        "record_id": data["record_id"],
        "category": data["category"],
        "channel": data["channel"],
        "occurred_on": data["occurred_on"],
        "description": data["description"],
        "evidence": list(data.get("evidence", [])),
        "claimed_points": data["claimed_points"],
        "status": "pending",
        "awarded_points": 0.0,
        "trail": [_trail(archive, envelope, points=data["claimed_points"])],
    }
    return (("records", data["record_id"]),)


def _verified(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    record = archive["records"][data["record_id"]]
    _award(archive, record, 0.0)  # what it counted before, if anything, no longer counts
    record["status"] = "verified"
    _award(archive, record, data["awarded_points"])
    record["trail"].append(_trail(archive, envelope, data.get("note", ""), data["awarded_points"]))
    return (("records", data["record_id"]),)


def _rejected(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    record = archive["records"][data["record_id"]]
    record["status"] = "rejected"
    record["trail"].append(_trail(archive, envelope, data["reason"]))
    return (("records", data["record_id"]),)


def _corrected(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    record = archive["records"][data["record_id"]]
    _award(archive, record, data["awarded_points"])
    record["trail"].append(_trail(archive, envelope, data["reason"], data["awarded_points"]))
    return (("records", data["record_id"]),)


# -- model posts ---------------------------------------------------------------------------


def _assigned(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["posts"][data["post_id"]] = {
        "post_id": data["post_id"],
        "name": data["post_name"],
        "kind": data["post_kind"],
        "assigned_on": data["assigned_on"],
        "released_on": "",
        "reviews": archive["posts"].get(data["post_id"], {}).get("reviews", []),
    }
    return (("posts", data["post_id"]),)


def _post_reviewed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    post = archive["posts"][data["post_id"]]
    post["reviews"].append(
        {"period": data["period"], "score": data["score"], "comment": data.get("comment", "")}
    )
    return (("posts", data["post_id"]),)


def _released(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["posts"][data["post_id"]]["released_on"] = data["released_on"]
    return (("posts", data["post_id"]),)


# -- assessments: peer and public ballots are counted, never attributed --------------------


def _assessed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    period = _assessment_period(archive, data["period"])
    tier = data["tier"]
    if tier in ("self", "committee"):
        period[tier] = dict(data["scores"])
    elif not data.get("supersedes", False):
        period[f"{tier}_reviews"] += 1
    return (("assessments", data["period"]),)


# -- appeals -------------------------------------------------------------------------------


def _appeal_filed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["appeals"][data["appeal_id"]] = {
        "appeal_id": data["appeal_id"],
        "subject": data["subject"],
        "subject_id": data["subject_id"],
        "reason": data["reason"],
        "status": "filed",
        "resolution": "",
    }
    return (("appeals", data["appeal_id"]),)


def _appeal_resolved(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    appeal = archive["appeals"][data["appeal_id"]]
    appeal.update(status=data["outcome"], resolution=data["reason"])
    return (("appeals", data["appeal_id"]),)


_HANDLERS: dict[str, Fold] = {
    "MemberRegistered": _registered,
    "MemberTransferred": _transferred,
    "MemberLeft": _left,
    "PerformanceRecorded": _recorded,
    "RecordVerified": _verified,
    "RecordRejected": _rejected,
    "RecordCorrected": _corrected,
    "MemberAssignedToPost": _assigned,
    "ModelPostReviewed": _post_reviewed,
    "MemberReleasedFromPost": _released,
    "AssessmentSubmitted": _assessed,
    "AppealFiled": _appeal_filed,
    "AppealResolved": _appeal_resolved,
    **FOLDS,
}

#: Event types that concern one member (their partition key is the member id).
MEMBER_EVENTS = frozenset(_HANDLERS)
