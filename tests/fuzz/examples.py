"""Every failure the fuzz suite has found, kept as an explicit case that runs every time.

A case names the RPC, the caller and the request fields; `{school}`, `{member}`,
`{pledge}`... in a string stand for the seeded school's ids (Seeded.placeholders). A raw
case sends `raw` bytes instead of a message. `found` says what the case found when it was
added.

To keep a new failure: each failing call is reported on one line, `Service.Method {request
in text format} as <caller> -> <status>: <what broke>`, shrunk by `make fuzz`; copy its
method, caller and fields here, with the seeded ids replaced by their placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    rpc: str  # Service.Method
    who: str  # a caller of oracle.CALLERS
    found: str
    fields: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None
    # It stopped a service: run after everything else, or the rest would meet it down.
    crashed_a_service: bool = False
    settle_s: float = 1.0  # scoring's time to take in what the case wrote before its health check

    @property
    def id(self) -> str:
        return f"{self.rpc}-{self.found[:40]}"


LONG = "x" * 10_000
SCORING_SETTLES_S = 4.0  # scoring releases events after the pledges topic's grace (1 s) and more
VISIBLE = {"wait_visible": True}

CASES: tuple[Case, ...] = (
    # -- reported by the acceptance run of issue 15, kept so they are never lost ------------
    Case(
        "ArchiveService.ClosePeriod",
        "committee",
        "INTERNAL: a period in year 0000",
        {"school_id": "{school}", "period": "0000-01"},
    ),
    Case(
        "ArchiveService.ClosePeriod",
        "committee",
        "INTERNAL: a quarter in year 9999",
        {"school_id": "{school}", "period": "9999-Q4"},
    ),
    Case(
        "ScoringService.GetEvaluation",
        "committee",
        "INTERNAL: an academic year 9999",
        {"school_id": "{school}", "member_id": "{member}", "period": "AY9999"},
    ),
    Case(
        "ArchiveService.GetArchive",
        "committee",
        "INTERNAL: an as_of whose offset overflows (kernel/store/drafts.py)",
        {"school_id": "{school}", "member_id": "{member}", "as_of": "0001-01-01T00:00:00+01:00"},
    ),
    Case(
        "ArchiveService.GetMember",
        "committee",
        "RESOURCE_EXHAUSTED: the error echoes a 10,000-character id past the header limit",
        {"school_id": "{school}", "member_id": LONG},
    ),
    Case(
        "ArchiveService.RegisterMember",
        "committee",
        "accepted: a member id ending in a newline",
        {
            "school_id": "{school}",
            "member_id": "f1\n",
            "name": "赵六",
            "branch_id": "{branch}",
            "roles": ["teacher"],
            "joined_party_on": "2010-07-01",
            "options": VISIBLE,
        },
    ),
    Case(
        "ArchiveService.EstablishModelPost",
        "committee",
        "accepted: a right-to-left override in a name",
        {"school_id": "{school}", "name": "\u202e岗位", "kind": "other", "options": VISIBLE},
    ),
    Case(
        "ArchiveService.GetStatus",
        "committee",
        "UNKNOWN naming DecodeError: undecodable request bytes",
        raw=b"\x0a\xff\xff\xff\xff\x0f",
    ),
    # -- found by this suite (make fuzz, shrunk) -------------------------------------------
    Case(
        "ScoringService.WhatIf",
        "committee",
        "INTERNAL: WhatIf for a period in year 0000",
        {"school_id": "{school}", "period": "0000-01", "rules_json": "{rules}"},
    ),
    Case(
        "PledgeService.MakePledge",
        "committee",
        "INTERNAL: a pledge for a period in year 0000",
        {
            "school_id": "{school}",
            "member_id": "{member}",
            "period": "0000-01",
            "lead": "study",
            "title": "经支部核实",
            "description": "经支部核实",
            "targets": [{"description": "经支部核实", "due_on": "{today}"}],
            "options": {},
        },
    ),
    Case(
        "ArchiveService.ExplainEvaluation",
        "service",
        "INTERNAL: ExplainEvaluation for the academic year 0000",
        {"school_id": "{school}", "member_id": "{member}", "period": "AY0000"},
    ),
    Case(
        "ArchiveService.EstablishBranch",
        "committee",
        "RESOURCE_EXHAUSTED: a 10,000-character school id echoed in message and details",
        {"school_id": LONG, "branch_id": "b-chinese", "name": "经支部核实", "options": {}},
    ),
    Case(
        "PledgeService.GetPledge",
        "committee",
        "RESOURCE_EXHAUSTED: a 10,000-character school id echoed (pledges)",
        {"school_id": LONG, "pledge_id": "{pledge}"},
    ),
    Case(
        "ArchiveService.ExportArchive",
        "secretary",
        "RESOURCE_EXHAUSTED: 2,001 CJK characters (6 kB in UTF-8) echoed in a school id",
        {"school_id": "长" * 2_001, "member_id": "{member}"},
    ),
    Case(
        "ArchiveService.BranchSummary",
        "committee",
        "RESOURCE_EXHAUSTED: a 10,000-character period echoed",
        {"school_id": "{school}", "branch_id": "{branch}", "period": LONG},
    ),
    Case(
        "ArchiveService.FileAppeal",
        "subject",
        "RESOURCE_EXHAUSTED: a 10,000-character subject_id (an evaluation's period) echoed",
        {
            "school_id": "{school}",
            "member_id": "{member}",
            "subject": "evaluation",
            "subject_id": LONG,
            "reason": "经支部核实",
            "options": {},
        },
    ),
    Case(
        "ScoringService.Explain",
        "committee",
        "RESOURCE_EXHAUSTED: a 10,000-character member id echoed (scoring)",
        {"school_id": "{school}", "member_id": LONG, "period": "2026-12"},
    ),
    Case(
        "ArchiveService.WatchArchive",
        "committee",
        "RESOURCE_EXHAUSTED: a 10,000-character school id echoed (server stream)",
        {"school_id": LONG, "member_id": "{member}"},
    ),
    Case(
        "PledgeService.MakePledge",
        "committee",
        "UNKNOWN naming DecodeError: a single zero byte (pledges)",
        raw=b"\x00",
    ),
    Case(
        "ScoringService.WhatIf",
        "committee",
        "UNKNOWN naming DecodeError: a single zero byte (scoring)",
        raw=b"\x00",
    ),
    Case(
        "ArchiveService.WatchArchive",
        "public",
        "UNKNOWN naming DecodeError: a string field cut short (server stream, no token)",
        raw=b"\x0a\x05abc",
    ),
    # A record dated in year 1 crashed scoring for good (the supervisor stopped the suite,
    # every restart replayed into it); the health check after the case looks for that. The
    # first of these to crash scoring takes it away from the second: the spare member's
    # cases, so nothing the fuzz did first changes them.
    Case(
        "ArchiveService.RecordPerformance",
        "subject",
        "accepted, then scoring crashed on it: a self-declared record dated 0001-01-01",
        {
            "school_id": "{school}",
            "member_id": "{spare_member}",
            "category": "study_training",
            "channel": "self_declared",
            "occurred_on": "0001-01-01",
            "description": "自学",
            "claimed_points": 1.0,
            "options": VISIBLE,
        },
        crashed_a_service=True,
        settle_s=SCORING_SETTLES_S,
    ),
    Case(
        "ArchiveService.ReviewModelPost",
        "committee",
        "accepted, then scoring crashed on it: a model post review for a period in year 1",
        {
            "school_id": "{school}",
            "post_id": "{spare_post}",
            "member_id": "{spare_member}",
            "period": "0001-01",
            "score": 90.0,
            "comment": "好",
            "options": VISIBLE,
        },
        crashed_a_service=True,
        settle_s=SCORING_SETTLES_S,
    ),
)

FIRST = tuple(case for case in CASES if not case.crashed_a_service)
LAST = tuple(case for case in CASES if case.crashed_a_service)
