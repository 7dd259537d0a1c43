"""Publications as messages: the committee's whole document (`Publication`) and the public's
公示 (`Notice`), from the read model's view of every version (archives.readmodel.publications)."""

from __future__ import annotations

from typing import Any

from archives.readmodel.publications import Version, amendments_by_member
from contracts.vocabulary import Standing
from vanguard.archives.v1 import archives_pb2 as pb

AMENDMENT_LINKS = ("amends", "amends_digest", "appeal_id", "member_id")


def _entries(
    document: dict[str, Any], names: dict[str, str], amended: dict[str, str]
) -> list[pb.PublishedEntry]:
    return [
        pb.PublishedEntry(
            member_id=e["member_id"],
            name=names.get(e["member_id"], ""),
            branch_id=e["branch_id"],
            standing=e["standing"],
            composite=e["composite"],
            stars=e["stars"],
            missing=e["missing"],
            amended=e["member_id"] in amended,
            appeal_id=amended.get(e["member_id"], ""),
        )
        for e in document["entries"]
    ]


def _document(
    version: Version, names: dict[str, str], amended: dict[str, str]
) -> pb.PublicationDocument:
    d = version["document"]
    return pb.PublicationDocument(
        event_id=version["event_id"],
        event_type=version["event_type"],
        version=version["version"],
        recorded_at=version["recorded_at"],
        period=d["period"],
        kind=d["kind"],
        publication=d["publication"],
        rules_version=d["rules_version"],
        closed_by=d["closed_by"],
        entries=_entries(d, names, amended),
        commendations=d["commendations"],
        follow_up=[
            pb.PublishedFollowUp(
                member_id=f["member_id"],
                name=names.get(f["member_id"], ""),
                branch_id=f["branch_id"],
                reason=f["reason"],
            )
            for f in d["follow_up"]
        ],
        input_events=d["input_events"],
        inputs_digest=d["inputs_digest"],
        digest=d["digest"],
        **{link: str(d.get(link, "")) for link in AMENDMENT_LINKS},
    )


def publication(view: dict[str, Any]) -> pb.Publication:
    """Each version marks the entries amended up to it (by it or by an earlier amendment)."""
    history: list[Version] = view["versions"]
    documents = [
        _document(version, view["names"], amendments_by_member(history[: n + 1]))
        for n, version in enumerate(history)
    ]
    return pb.Publication(
        school_id=view["school_id"],
        period=view["period"],
        current=documents[-1],
        versions=documents,
    )


def notice(view: dict[str, Any]) -> pb.Notice:
    """The latest version as the public sees it: names, branches, standings, stars of
    complete entries; no composite, nothing of what it was computed from."""
    history: list[Version] = view["versions"]
    latest = history[-1]
    document, amended = latest["document"], amendments_by_member(history)
    commended = set(document["commendations"])
    return pb.Notice(
        school_id=view["school_id"],
        school_name=view["school_name"],
        period=view["period"],
        entries=[
            pb.NoticeEntry(
                name=view["names"].get(e["member_id"], ""),
                branch_id=e["branch_id"],
                branch_name=view["branch_names"].get(e["branch_id"], ""),
                standing=e["standing"],
                stars=e["stars"] if e["standing"] == Standing.COMPLETE.value else None,
                commended=e["member_id"] in commended,
                amended=e["member_id"] in amended,
            )
            for e in document["entries"]
        ],
        event_id=latest["event_id"],
        digest=document["digest"],
        recorded_at=latest["recorded_at"],
    )
