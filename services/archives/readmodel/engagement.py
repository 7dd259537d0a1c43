"""The parts of a member's archive that other services own: their pledges (承诺践诺, from
`vanguard.pledges`) and their evaluation timeline (三级考评, from `vanguard.evaluations`).

Only verified supervision feedback reaches the archive; pending or dismissed feedback does not.
The PDCA stage uses the pledges service's own published rule (`pledges.domain.stage`), so the
archive and the pledges service can never disagree about it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.stage import stage_of
from contracts.vocabulary import Outcome, PledgeStatus, RectificationStatus, Standing
from kernel.envelope import Envelope

Archive = dict[str, Any]
EntryKey = tuple[str, str]  # (section, id) of one archive entry: ("pledges", pledge_id), …
Changed = tuple[EntryKey, ...]  # the entries one event changed
Fold = Callable[[Archive, Envelope, dict[str, Any]], Changed]


def _pledge(pledge_id: str) -> Changed:
    """A pledge's entry and the progress its stage is derived from."""
    return ("pledges", pledge_id), ("pledge_progress", pledge_id)


def _progress(archive: Archive, pledge_id: str) -> dict[str, Any]:
    """What the stage is derived from, kept beside the entry the archive shows."""
    return archive["pledge_progress"].setdefault(
        pledge_id,
        {
            "status": "submitted",
            "reports_pending": [],
            "outcome": "",
            "rectification": "",
            "verified_feedback": 0,
            "rating_total": 0,
        },
    )


def _restage(archive: Archive, pledge_id: str) -> None:
    progress = archive["pledge_progress"][pledge_id]
    entry = archive["pledges"][pledge_id]
    entry["status"] = progress["status"]
    entry["outcome"] = progress["outcome"]
    entry["pdca_stage"] = stage_of(
        PledgeStatus(progress["status"]),
        report_pending=bool(progress["reports_pending"]),
        outcome=Outcome(progress["outcome"]) if progress["outcome"] else None,
        rectification=(
            RectificationStatus(progress["rectification"]) if progress["rectification"] else None
        ),
    ).value


def _made(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["pledges"][data["pledge_id"]] = {
        "pledge_id": data["pledge_id"],
        "title": data["title"],
        "lead": data["lead"],
        "period": data["period"],
        "status": "",
        "pdca_stage": "",
        "outcome": "",
    }
    _progress(archive, data["pledge_id"])
    _restage(archive, data["pledge_id"])
    return _pledge(data["pledge_id"])


def _revised(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    archive["pledges"][data["pledge_id"]].update(title=data["title"], lead=data["lead"])
    return (("pledges", data["pledge_id"]),)


def _status(status: PledgeStatus) -> Fold:
    def fold(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
        _progress(archive, data["pledge_id"])["status"] = status.value
        _restage(archive, data["pledge_id"])
        return _pledge(data["pledge_id"])

    return fold


def _reported(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    _progress(archive, data["pledge_id"])["reports_pending"].append(data["report_id"])
    _restage(archive, data["pledge_id"])
    return _pledge(data["pledge_id"])


def _report_verified(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    pending = _progress(archive, data["pledge_id"])["reports_pending"]
    if data["report_id"] in pending:
        pending.remove(data["report_id"])
    _restage(archive, data["pledge_id"])
    return _pledge(data["pledge_id"])


def _closed(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    progress = _progress(archive, data["pledge_id"])
    progress.update(status=PledgeStatus.CLOSED.value, outcome=data["outcome"])
    _restage(archive, data["pledge_id"])
    return _pledge(data["pledge_id"])


def _rectification(status: RectificationStatus) -> Fold:
    def fold(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
        _progress(archive, data["pledge_id"])["rectification"] = status.value
        _restage(archive, data["pledge_id"])
        return _pledge(data["pledge_id"])

    return fold


def _feedback_verified(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    progress = _progress(archive, data["pledge_id"])
    progress["verified_feedback"] += 1
    progress["rating_total"] += data["rating"]
    return (("pledge_progress", data["pledge_id"]),)


def _evaluation_updated(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    """The live evaluation: complete, or provisional with no stars until every tier is in.
    Once the period is published for the member, the archive shows what was published: a
    later update (a late fact, or one sent before the close and read after it) changes
    nothing shown."""
    current = archive["evaluations"].get(data["period"], {})
    if current.get("published"):
        return ()
    archive["evaluations"][data["period"]] = {
        "period": data["period"],
        "standing": (Standing.PROVISIONAL if data["provisional"] else Standing.COMPLETE).value,
        "composite": data["composite"],
        "provisional": data["provisional"],
        "stars": data["stars"],  # None while provisional
        "missing": list(data["missing"]),
        "rules_version": data["rules_version"],
        "updated_at": archive["as_of"],  # the event's time, as `apply` wrote it
        "published": False,
    }
    return (("evaluations", data["period"]),)


def fold_publication_entry(
    archive: Archive, data: dict[str, Any], entry: dict[str, Any], appeal_id: str = ""
) -> None:
    """A published period freezes the member's standing, composite and stars as published
    (月度公示 / 季度通报 / 年度表彰): stars only when complete, no composite for no activity.
    With `appeal_id`, as an amendment corrected them (申诉)."""
    evaluation = archive["evaluations"].setdefault(
        data["period"], {"period": data["period"], "updated_at": ""}
    )
    evaluation.update(
        standing=entry["standing"],
        composite=entry["composite"],
        stars=entry["stars"],
        provisional=entry["standing"] == Standing.PROVISIONAL.value,
        missing=list(entry["missing"]),
        rules_version=data["rules_version"],
        published=True,
        amended=bool(appeal_id),
        appeal_id=appeal_id,
    )


def _published(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    """The issued publication, unless an amendment for this member was read first (the two
    may be read in either order): the amendment is the later result."""
    member_id = archive["member"]["member_id"]
    if archive["evaluations"].get(data["period"], {}).get("amended"):
        return ()
    for entry in data["entries"]:
        if entry["member_id"] == member_id:
            fold_publication_entry(archive, data, entry)
            return (("evaluations", data["period"]),)
    return ()


def _amended(archive: Archive, envelope: Envelope, data: dict[str, Any]) -> Changed:
    """An upheld appeal's amendment replaces the member's published entry and says so."""
    for entry in data["entries"]:
        if entry["member_id"] == data["member_id"]:
            fold_publication_entry(archive, data, entry, data["appeal_id"])
            return (("evaluations", data["period"]),)
    return ()


FOLDS: dict[str, Fold] = {
    "PublicationIssued": _published,
    "PublicationAmended": _amended,
    "PledgeMade": _made,
    "PledgeRevised": _revised,
    "PledgeApproved": _status(PledgeStatus.APPROVED),
    "PledgeReturned": _status(PledgeStatus.RETURNED),
    "PledgeResubmitted": _status(PledgeStatus.SUBMITTED),
    "PledgePublished": _status(PledgeStatus.PUBLISHED),
    "PledgeWithdrawn": _status(PledgeStatus.WITHDRAWN),
    "FulfilmentReported": _reported,
    "FulfilmentVerified": _report_verified,
    "PledgeClosed": _closed,
    "RectificationRequired": _rectification(RectificationStatus.REQUIRED),
    "RectificationReported": _rectification(RectificationStatus.REPORTED),
    "RectificationCompleted": _rectification(RectificationStatus.COMPLETED),
    "FeedbackVerified": _feedback_verified,
    "EvaluationUpdated": _evaluation_updated,
}
