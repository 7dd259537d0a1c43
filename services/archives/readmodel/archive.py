"""The performance archive (业绩档案) of one member as a pure fold over the events that
concern them. The live read model and `GetArchive(as_of)` use this same fold, so an archive
rebuilt from the log is identical to the one kept live."""

from __future__ import annotations

from typing import Any

from archives.readmodel.engagement import FOLDS
from kernel.envelope import Envelope

Archive = dict[str, Any]


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
        "records": {},
        "posts": {},
        "assessments": {},
        "pledges": {},
        "evaluations": {},
        "appeals": {},
        "verified_points": 0.0,
        "events": 0,
        "event_ids": [],
        "as_of": "",
    }


def _trail(envelope: Envelope, note: str = "", points: float = 0.0) -> dict[str, Any]:
    return {
        "event_type": envelope.event_type,
        "actor_role": envelope.actor.role.value,
        "recorded_at": envelope.recorded_at.isoformat(),
        "note": note,
        "points": points,
    }


def _assessment_period(archive: Archive, period: str) -> dict[str, Any]:
    return archive["assessments"].setdefault(
        period,
        {"period": period, "self": None, "peer_reviews": 0, "public_reviews": 0, "committee": None},
    )


def _recount_points(archive: Archive) -> None:
    archive["verified_points"] = round(
        sum(r["awarded_points"] for r in archive["records"].values() if r["status"] == "verified"),
        4,
    )


def apply(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> bool:
    """Fold one event (its body upcast to the current schema) into the archive. Returns False
    when the event does not concern the archive."""
    handler = _HANDLERS.get(envelope.event_type)
    if handler is None:
        return False
    handler(archive, envelope, data)
    archive["events"] += 1
    archive["event_ids"].append(str(envelope.event_id))
    archive["as_of"] = envelope.recorded_at.isoformat()
    return True


# -- members -------------------------------------------------------------------------------


def _registered(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    archive["member"].update(
        name=data["name"],
        branch_id=data["branch_id"],
        roles=list(data["roles"]),
        joined_party_on=data["joined_party_on"],
        active=True,
        version=envelope.stream_version,
    )


def _transferred(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    archive["member"].update(branch_id=data["to_branch_id"], version=envelope.stream_version)


def _left(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    archive["member"].update(active=False, version=envelope.stream_version)


# -- records -------------------------------------------------------------------------------


def _recorded(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
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
        "trail": [_trail(envelope, points=data["claimed_points"])],
    }


def _verified(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    record = archive["records"][data["record_id"]]
    record.update(status="verified", awarded_points=data["awarded_points"])
    record["trail"].append(_trail(envelope, data.get("note", ""), data["awarded_points"]))
    _recount_points(archive)


def _rejected(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    record = archive["records"][data["record_id"]]
    record["status"] = "rejected"
    record["trail"].append(_trail(envelope, data["reason"]))


def _corrected(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    record = archive["records"][data["record_id"]]
    record["awarded_points"] = data["awarded_points"]
    record["trail"].append(_trail(envelope, data["reason"], data["awarded_points"]))
    _recount_points(archive)


# -- model posts ---------------------------------------------------------------------------


def _assigned(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    archive["posts"][data["post_id"]] = {
        "post_id": data["post_id"],
        "name": data["post_name"],
        "kind": data["post_kind"],
        "assigned_on": data["assigned_on"],
        "released_on": "",
        "reviews": archive["posts"].get(data["post_id"], {}).get("reviews", []),
    }


def _post_reviewed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    post = archive["posts"][data["post_id"]]
    post["reviews"].append(
        {"period": data["period"], "score": data["score"], "comment": data.get("comment", "")}
    )


def _released(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    archive["posts"][data["post_id"]]["released_on"] = data["released_on"]


# -- assessments: peer and public ballots are counted, never attributed --------------------


def _assessed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    period = _assessment_period(archive, data["period"])
    tier = data["tier"]
    if tier in ("self", "committee"):
        period[tier] = dict(data["scores"])
    elif not data.get("supersedes", False):
        period[f"{tier}_reviews"] += 1


# -- appeals -------------------------------------------------------------------------------


def _appeal_filed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    archive["appeals"][data["appeal_id"]] = {
        "appeal_id": data["appeal_id"],
        "subject": data["subject"],
        "subject_id": data["subject_id"],
        "reason": data["reason"],
        "status": "filed",
        "resolution": "",
    }


def _appeal_resolved(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> None:
    appeal = archive["appeals"][data["appeal_id"]]
    appeal.update(status=data["outcome"], resolution=data["reason"])


_HANDLERS = {
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
}

_HANDLERS.update(FOLDS)

#: Event types that concern one member (their partition key is the member id).
MEMBER_EVENTS = frozenset(_HANDLERS)
