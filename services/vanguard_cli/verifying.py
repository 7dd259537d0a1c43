"""What `vanguard publication verify` checks of a period's publications as the log holds them:
each version's digest recomputed over its stored payload (contracts.digests), and each
amendment's link to the version it amends (that version is on the log, with the digest the
amendment names). Pure: the envelopes are read by the command (kernel.topic_reader)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.digests import content_digest, verify_payload
from kernel.envelope import Envelope

DOCUMENTS = ("PublicationIssued", "PublicationAmended")


@dataclass(frozen=True)
class DocumentCheck:
    event_id: str
    event_type: str
    stream_version: int
    digest: str  # as issued
    recomputed: str
    problems: tuple[str, ...]  # empty: the document matches

    @property
    def matches(self) -> bool:
        return not self.problems


def documents_of(envelopes: Iterable[Envelope], school_id: str, period: str) -> list[Envelope]:
    """The period's publication versions, each once (a re-sent one has the same id), in
    stream order."""
    found: dict[str, Envelope] = {}
    for e in envelopes:
        if (
            e.event_type in DOCUMENTS
            and e.school_id == school_id
            and e.data.get("period") == period
        ):
            found.setdefault(str(e.event_id), e)
    return sorted(found.values(), key=lambda e: (e.stream_version, e.recorded_at))


def check(documents: list[Envelope]) -> list[DocumentCheck]:
    digests = {str(d.event_id): d.data.get("digest") for d in documents}
    checks = []
    for d in documents:
        fields = {k: v for k, v in d.data.items() if k != "digest"}
        problems = [] if verify_payload(d.data) else ["digest does not match the payload"]
        if d.event_type == "PublicationAmended":
            amends = str(d.data.get("amends", ""))
            if amends not in digests:
                problems.append(f"the version it amends ({amends}) is not on the log")
            elif digests[amends] != d.data.get("amends_digest"):
                problems.append("amends_digest is not the digest of the version it amends")
        checks.append(
            DocumentCheck(
                event_id=str(d.event_id),
                event_type=d.event_type,
                stream_version=d.stream_version,
                digest=str(d.data.get("digest", "")),
                recomputed=content_digest(fields),
                problems=tuple(problems),
            )
        )
    return checks
