"""A school driven through the suite's gRPC APIs only, as its people would: the committee, two
branch secretaries, twelve members and the public, each with a real signed token.

Every command carries an idempotency key; a call that ends UNAVAILABLE (or past its deadline,
while a container is down) is sent again with the SAME key, so a command that did land before
its reply was lost is answered with its original result and written once.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import grpc

from contracts.periods import periods_of
from kernel.envelope import Role
from kernel.grpc.client import bearer
from kernel.tokens import issue_token
from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.archives.v1 import archives_pb2_grpc
from vanguard.common.v1 import command_pb2
from vanguard.pledges.v1 import pledges_pb2 as ppb
from vanguard.pledges.v1 import pledges_pb2_grpc
from vanguard.scoring.v1 import scoring_pb2 as spb
from vanguard.scoring.v1 import scoring_pb2_grpc

Metadata = tuple[tuple[str, str], ...]

CALL_S = 10.0
RETRY_FOR_S = 180.0  # how long a command keeps being retried while a container is down
RETRIED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
BRANCHES = {"b1": "语文教研室党支部", "b2": "数学教研室党支部"}
MEMBERS = {f"m{n:02d}": ("b1" if n <= 6 else "b2") for n in range(1, 13)}
CATEGORIES = ("study_training", "duty_performance", "activities", "integrity")
CHANNELS = ("self_declared", "public_report", "branch_investigation")
LEADS = ("study", "work", "discipline", "devotion")
TODAY = date.today()
# Last month: it has ended, so it may be closed. Its records fall on its last day (a period's
# end is exclusive); its assessments name it.
MONTH = periods_of(TODAY.replace(day=1) - timedelta(days=1))[0]
RECORD_DAY = MONTH.end - timedelta(days=1)
# Pledges plan ahead (a target falls due today or later): they are this month's.
PLEDGE_MONTH = periods_of(TODAY)[0]
LAST_DAY = PLEDGE_MONTH.end - timedelta(days=1)


@dataclass
class Stubs:
    archives: archives_pb2_grpc.ArchiveServiceStub
    pledges: pledges_pb2_grpc.PledgeServiceStub
    scoring: scoring_pb2_grpc.ScoringServiceStub
    channels: list[grpc.Channel]

    @classmethod
    def connect(cls, addresses: dict[str, str]) -> Stubs:
        channels = [grpc.insecure_channel(addresses[n]) for n in ("archives", "pledges", "scoring")]
        return cls(
            archives_pb2_grpc.ArchiveServiceStub(channels[0]),
            pledges_pb2_grpc.PledgeServiceStub(channels[1]),
            scoring_pb2_grpc.ScoringServiceStub(channels[2]),
            channels,
        )

    def close(self) -> None:
        for channel in self.channels:
            channel.close()


@dataclass
class Acknowledged:
    """What the suite acknowledged for one school: what its archive must show, once each."""

    records: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> member, status
    pledges: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> member, status
    assessments: dict[tuple[str, str], int] = field(default_factory=dict)  # member, tier -> n
    commands: int = 0


@dataclass
class School:
    id: str
    secret: str
    stubs: Stubs
    before_command: Callable[[int], None] = lambda n: None  # fault injection hook
    acknowledged: Acknowledged = field(default_factory=Acknowledged)
    retries: int = 0
    _keys: itertools.count[int] = field(default_factory=itertools.count)

    # -- callers -----------------------------------------------------------------------------

    def token(self, role: Role, subject: str, branch: str | None = None) -> Metadata:
        return bearer(
            issue_token(
                self.secret, subject=subject, role=role, school=self.id, branch=branch, ttl_s=3600
            )
        )

    @property
    def committee(self) -> Metadata:
        return self.token(Role.COMMITTEE, "committee-1")

    def secretary(self, member: str) -> Metadata:
        branch = MEMBERS[member]
        return self.token(Role.SECRETARY, f"secretary-{branch}", branch)

    def member(self, member: str) -> Metadata:
        return self.token(Role.MEMBER, member)

    def public(self, n: int) -> Metadata:
        return self.token(Role.PUBLIC, f"parent-{n}")

    # -- calling -----------------------------------------------------------------------------

    def command(
        self, service: str, method: str, metadata: Metadata, *, visible: bool = False, **fields: Any
    ) -> command_pb2.CommandReply:
        """One command with its own idempotency key, retried with that key while the suite
        answers UNAVAILABLE."""
        n = next(self._keys)
        self.before_command(n)
        stub = getattr(self.stubs, service)
        request_type = getattr(apb if service == "archives" else ppb, f"{method}Request")
        options = command_pb2.CommandOptions(idempotency_key=f"{self.id}-{n}", wait_visible=visible)
        request = request_type(school_id=self.id, options=options, **fields)
        reply: command_pb2.CommandReply = self.retrying(getattr(stub, method), request, metadata)
        self.acknowledged.commands += 1
        return reply

    def retrying(self, call: Any, request: Any, metadata: Metadata) -> Any:
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            try:
                return call(request, metadata=metadata, timeout=CALL_S)
            except grpc.RpcError as error:
                if error.code() not in RETRIED or time.monotonic() > deadline:
                    raise
                self.retries += 1
                time.sleep(0.3)

    def query(self, service: str, method: str, request: Any) -> Any:
        return self.retrying(getattr(getattr(self.stubs, service), method), request, self.committee)

    # -- founding ----------------------------------------------------------------------------

    def found(self, members: dict[str, str] = MEMBERS) -> School:
        """School, two branches and the members, each visible before the next step."""
        self.command("archives", "RegisterSchool", self.committee, visible=True, name="长沙市一中")
        for branch, name in BRANCHES.items():
            self.command(
                "archives", "EstablishBranch", self.committee, visible=True, branch_id=branch,
                name=name,
            )  # fmt: skip
        for member, branch in members.items():
            self.command(
                "archives", "RegisterMember", self.committee, visible=True, member_id=member,
                name=f"教师{member}", branch_id=branch, roles=["teacher"],
                joined_party_on="2010-07-01",
            )  # fmt: skip
        return self

    # -- the story of one member ---------------------------------------------------------------

    def records(self, member: str, rng: random.Random) -> None:
        """One record from each of the three channels, each verified or (sometimes) rejected."""
        for n, channel in enumerate(CHANNELS):
            record_id = f"{member}-r{n}"
            author = self.member(member) if channel == "self_declared" else self.secretary(member)
            points = float(rng.randint(1, 6))
            self.command(
                "archives", "RecordPerformance", author, member_id=member, record_id=record_id,
                category=rng.choice(CATEGORIES), channel=channel,
                occurred_on=RECORD_DAY.isoformat(), description=f"{channel} 记录",
                claimed_points=points,
            )  # fmt: skip
            status = "verified"
            if rng.random() < 0.15:
                status = "rejected"
                self.command(
                    "archives", "RejectRecord", self.secretary(member), record_id=record_id,
                    reason="证据不足",
                )  # fmt: skip
            else:
                self.command(
                    "archives", "VerifyRecord", self.secretary(member), record_id=record_id,
                    awarded_points=points,
                )  # fmt: skip
            self.acknowledged.records[record_id] = (member, status)

    def assessments(self, member: str, rng: random.Random, peers: int = 3) -> None:
        """Every tier: self, peers from the member's branch, the public, the committee."""
        colleagues = [m for m, b in MEMBERS.items() if b == MEMBERS[member] and m != member]
        ballots: list[tuple[str, Metadata]] = [
            ("self", self.member(member)),
            *[("peer", self.member(c)) for c in rng.sample(colleagues, peers)],
            ("public", self.public(rng.randint(1, 10_000))),
            ("committee", self.committee),
        ]
        for tier, caller in ballots:
            s = [float(rng.randint(60, 100)) for _ in LEADS]
            self.command(
                "archives", "SubmitAssessment", caller, member_id=member, period=MONTH.id,
                tier=tier, scores=apb.LeadScores(study=s[0], work=s[1], discipline=s[2],
                                                  devotion=s[3]),
            )  # fmt: skip
            key = (member, tier)
            self.acknowledged.assessments[key] = self.acknowledged.assessments.get(key, 0) + 1

    def pledge(self, member: str, rng: random.Random) -> None:
        """Plan (sometimes returned and revised), Do, Check, Act: closed fulfilled, or short of
        it with a rectification reported and completed; verified public feedback on the way."""
        secretary = self.secretary(member)
        target = [ppb.TargetSpec(description="每周一节公开课", due_on=LAST_DAY.isoformat())]
        lead = rng.choice(LEADS)
        made = self.command(
            "pledges", "MakePledge", self.member(member), member_id=member,
            period=PLEDGE_MONTH.id,
            lead=lead, title="带头做事", description="上好每一节课", targets=target,
        )  # fmt: skip
        pid = made.id
        if rng.random() < 0.3:
            self.command("pledges", "ReturnPledge", secretary, pledge_id=pid, reason="目标不具体")
            self.command(
                "pledges", "RevisePledge", self.member(member), pledge_id=pid, lead=lead,
                title="带头做事", description="每周一节公开课并写反思", targets=target,
            )  # fmt: skip
            self.command("pledges", "ResubmitPledge", self.member(member), pledge_id=pid)
        self.command("pledges", "ApprovePledge", secretary, pledge_id=pid)
        self.command("pledges", "PublishPledge", secretary, pledge_id=pid)
        feedback = self.command(
            "pledges", "GiveFeedback", self.public(0), pledge_id=pid,
            rating=rng.randint(3, 5), text="课讲得好", reviewer_kind="parent",
        )  # fmt: skip
        self.command("pledges", "VerifyFeedback", secretary, feedback_id=feedback.id)
        percent = rng.choice((100, 60))
        self.command(
            "pledges", "ReportFulfilment", self.member(member), pledge_id=pid,
            progress=[ppb.TargetProgress(target=1, percent=percent)], narrative="完成情况",
        )  # fmt: skip
        self.command(
            "pledges", "VerifyFulfilment", secretary, pledge_id=pid, report_id="r1",
            verdict="accepted",
        )  # fmt: skip
        if percent == 100:
            self.command("pledges", "ClosePledge", secretary, pledge_id=pid, outcome="fulfilled")
        else:
            self.command(
                "pledges", "ClosePledge", secretary, pledge_id=pid,
                outcome="partially_fulfilled", rectification="补上公开课",
            )  # fmt: skip
            self.command(
                "pledges", "ReportRectification", self.member(member), pledge_id=pid,
                narrative="已补课",
            )  # fmt: skip
            self.command("pledges", "CompleteRectification", secretary, pledge_id=pid)
        self.acknowledged.pledges[pid] = (member, "closed")

    def story(self, members: list[str], rng: random.Random) -> None:
        for member in members:
            self.records(member, rng)
            self.assessments(member, rng)
            self.pledge(member, rng)

    # -- reading -----------------------------------------------------------------------------

    def archive(self, member: str) -> apb.Archive:
        request = apb.GetArchiveRequest(school_id=self.id, member_id=member)
        return self.query("archives", "GetArchive", request)  # type: ignore[no-any-return]

    def evaluation(self, member: str, period: str = MONTH.id) -> spb.Evaluation:
        request = spb.EvaluationRequest(school_id=self.id, member_id=member, period=period)
        return self.query("scoring", "GetEvaluation", request)  # type: ignore[no-any-return]

    def archive_mismatches(self, members: list[str]) -> list[str]:
        """What the archives show against what was acknowledged: every acknowledged record,
        pledge and assessment exactly once, with its final status. Empty when all agree."""
        wrong: list[str] = []
        ack = self.acknowledged
        for member in members:
            archive = self.archive(member)
            records = sorted((r.record_id, r.status) for r in archive.records)
            expected = sorted((i, s) for i, (m, s) in ack.records.items() if m == member)
            if records != expected:
                wrong.append(f"{member} records {records} != {expected}")
            pledges = sorted((p.pledge_id, p.status) for p in archive.pledges)
            expected = sorted((i, s) for i, (m, s) in ack.pledges.items() if m == member)
            if pledges != expected:
                wrong.append(f"{member} pledges {pledges} != {expected}")
            month = [a for a in archive.assessments if a.period == MONTH.id]
            shown = (
                (month[0].has_self, month[0].peer_reviews, month[0].public_reviews,
                 month[0].has_committee) if len(month) == 1 else None
            )  # fmt: skip
            counts = {t: ack.assessments.get((member, t), 0) for t in ("self", "peer", "public")}
            wanted = (
                (counts["self"] == 1, counts["peer"], counts["public"],
                 ack.assessments.get((member, "committee"), 0) == 1)
                if any(k[0] == member for k in ack.assessments) else None
            )  # fmt: skip
            if shown != wanted:
                wrong.append(f"{member} assessments {shown} != {wanted}")
        return wrong


def comparable(evaluation: spb.Evaluation) -> spb.Evaluation:
    """An evaluation without its school id, to compare two schools that lived the same story."""
    copy = spb.Evaluation()
    copy.CopyFrom(evaluation)
    copy.school_id = ""
    return copy


def wait_until(check: Callable[[], list[str]], timeout_s: float, what: str) -> None:
    """Poll `check` (a list of mismatches) until it is empty; fail with the last ones."""
    deadline = time.monotonic() + timeout_s
    while problems := check():
        if time.monotonic() > deadline:
            shown = "\n  ".join(problems[:10])
            raise AssertionError(f"{what} after {timeout_s}s:\n  {shown}")
        time.sleep(1.0)
