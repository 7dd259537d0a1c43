"""The archives service layer: one handler per command. Each checks who may do it, validates
the input (naming the field at fault), lets the aggregate decide, and appends through the
shared `CommandExecutor`. No gRPC, no Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from archives import commands as c
from archives.domain.appeal import Appeal
from archives.domain.assessment import SEALED_TIERS, Assessment, seal_ballot
from archives.domain.events import registry
from archives.domain.member import Member
from archives.domain.posts import ModelPost, PostAssignment
from archives.domain.record import PerformanceRecord
from archives.domain.school import School
from archives.domain.vocabulary import (
    AppealOutcome,
    AppealSubject,
    Channel,
    Lead,
    MemberRole,
    PostKind,
    RecordCategory,
    Tier,
)
from kernel import validation as v
from kernel.aggregate import Aggregate, Repository
from kernel.auth import Principal, require_branch, require_role, require_school
from kernel.commands import CommandExecutor, Decision
from kernel.envelope import Actor, CommandContext, Role
from kernel.errors import InvalidArgument, NotFound, PermissionDenied, PreconditionFailed
from kernel.periods import Period, parse_period
from kernel.school_calendar import JOINED_PARTY
from kernel.store import AppendResult, EventStore

NAME_MAX = 50  # a person, a branch, a school
NAME_MAX_POST = 100
EVIDENCE_REF_MAX = 500
TEXT_MAX = 2000
EVIDENCE_MAX = 20

COMMITTEE = (Role.COMMITTEE,)
BRANCH_LEADERS = (Role.SECRETARY, Role.COMMITTEE)


A = TypeVar("A", bound=Aggregate)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ArchivesHandlers:
    def __init__(
        self,
        store: EventStore,
        *,
        ballot_secret: bytes,
        today: Callable[[], date] = date.today,
        correlation_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.repository = Repository(store, registry)
        self.executor = CommandExecutor(self.repository)
        self.ballot_secret = ballot_secret
        self.today = today
        self.correlation_id = correlation_id

    # -- shared steps --------------------------------------------------------------------

    def _context(self, principal: Principal, school_id: str) -> CommandContext:
        require_school(principal, school_id)
        return CommandContext(
            school_id=school_id,
            actor=principal.actor,
            correlation_id=self.correlation_id(),
        )

    def _school(self, school_id: str) -> School:
        school = self.repository.load(School, school_id, school_id)
        school.require_registered()
        return school

    def _member(self, school_id: str, member_id: str, field: str = "member_id") -> Member:
        member = self.repository.load(Member, school_id, v.identifier(member_id, field))
        member.require_exists(field)
        return member

    def _school_and_member(
        self, school_id: str, member_id: str, field: str = "member_id"
    ) -> tuple[School, Member]:
        """`_school` then `_member` (same checks, same order), read in one go. Reading under an
        id that turns out invalid is harmless: the id is a bound parameter."""
        school, member = self.repository.load_two(
            (School, school_id, school_id), (Member, school_id, member_id)
        )
        school.require_registered()
        v.identifier(member_id, field)
        member.require_exists(field)
        return school, member

    def _new_or_named(
        self, kind: type[A], school_id: str, requested: str, field: str, prefix: str
    ) -> A:
        """The aggregate a caller named (as its stream has it), or a new one with a generated
        id. A generated id names no stream yet, so there is nothing to read; if it ever did,
        the append at version 0 would be refused (ABORTED), never merged."""
        if requested:
            return self.repository.load(kind, school_id, v.identifier(requested, field))
        return kind(school_id, new_id(prefix))

    def _open_period(self, school: School, text: str, field: str = "period") -> Period:
        period = parse_period(text, field=field)
        if school.is_closed_period(period):
            raise PreconditionFailed(f"period {period} is closed", field=field)
        return period

    def _open_day(self, school: School, text: str, field: str) -> date:
        day = v.day(text, field, today=self.today())
        if school.is_closed_day(day):
            raise PreconditionFailed(f"{day} lies in a closed period", field=field)
        return day

    @staticmethod
    def _lead_branch(principal: Principal, branch_id: str) -> None:
        """Secretaries act for their own branch; the committee for every branch."""
        require_role(principal, *BRANCH_LEADERS)
        require_branch(principal, branch_id)

    # -- school and branches -------------------------------------------------------------

    def register_school(
        self, principal: Principal, cmd: c.RegisterSchool, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school_id = v.identifier(cmd.school_id, "school_id")  # part of every stream id
            school = self.repository.load(School, school_id, school_id)
            school.register(v.line(cmd.name, "name", max_length=NAME_MAX))
            return Decision(school)

        return self.executor.run("RegisterSchool", cmd, context, decide, idempotency_key=key)

    def establish_branch(
        self, principal: Principal, cmd: c.EstablishBranch, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            school.establish_branch(
                v.identifier(cmd.branch_id, "branch_id"),
                v.line(cmd.name, "name", max_length=NAME_MAX),
            )
            return Decision(school, {"branch_id": cmd.branch_id})

        return self.executor.run("EstablishBranch", cmd, context, decide, idempotency_key=key)

    def close_period(self, principal: Principal, cmd: c.ClosePeriod, key: str = "") -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            period = parse_period(cmd.period)
            school.close_period(period, self.today())
            return Decision(school, {"period": period.id})

        return self.executor.run("ClosePeriod", cmd, context, decide, idempotency_key=key)

    # -- members -------------------------------------------------------------------------

    def register_member(
        self, principal: Principal, cmd: c.RegisterMember, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        self._lead_branch(principal, cmd.branch_id)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            name = v.line(cmd.name, "name", max_length=NAME_MAX)
            school.require_branch(v.identifier(cmd.branch_id, "branch_id"))
            if not cmd.roles:
                raise InvalidArgument("at least one role is required", field="roles")
            roles = tuple(dict.fromkeys(v.choice(r, MemberRole, "roles") for r in cmd.roles))
            joined = v.day(
                cmd.joined_party_on, "joined_party_on", today=self.today(), within=JOINED_PARTY
            )
            member = self._new_or_named(Member, cmd.school_id, cmd.member_id, "member_id", "m")
            member.register(name, cmd.branch_id, roles, joined)
            return Decision(member)

        return self.executor.run("RegisterMember", cmd, context, decide, idempotency_key=key)

    def transfer_member(
        self,
        principal: Principal,
        cmd: c.TransferMember,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            school.require_branch(v.identifier(cmd.to_branch_id, "to_branch_id"), "to_branch_id")
            member = self._member(cmd.school_id, cmd.member_id)
            member.transfer(
                cmd.to_branch_id, v.text(cmd.reason, "reason", max_length=TEXT_MAX, required=False)
            )
            return Decision(member)

        return self.executor.run(
            "TransferMember",
            cmd,
            context,
            decide,
            idempotency_key=key,
            expected_version=expected_version,
        )

    def record_member_left(
        self,
        principal: Principal,
        cmd: c.RecordMemberLeft,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            member = self._member(cmd.school_id, cmd.member_id)
            left_on = v.day(cmd.left_on, "left_on", today=self.today())
            member.leave(left_on, v.text(cmd.reason, "reason", max_length=TEXT_MAX, required=False))
            return Decision(member)

        return self.executor.run(
            "RecordMemberLeft",
            cmd,
            context,
            decide,
            idempotency_key=key,
            expected_version=expected_version,
        )

    # -- performance records -------------------------------------------------------------

    def record_performance(
        self, principal: Principal, cmd: c.RecordPerformance, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)

        def decide() -> Decision:
            school, member = self._school_and_member(cmd.school_id, cmd.member_id)
            member.require_active()
            channel = v.choice(cmd.channel, Channel, "channel")
            self._may_record(principal, member, channel)
            category = v.choice(cmd.category, RecordCategory, "category")
            occurred_on = self._open_day(school, cmd.occurred_on, "occurred_on")
            description = v.text(cmd.description, "description", max_length=TEXT_MAX)
            if len(cmd.evidence) > EVIDENCE_MAX:
                raise InvalidArgument(f"at most {EVIDENCE_MAX} references", field="evidence")
            evidence = tuple(
                v.line(e, f"evidence[{i}]", max_length=EVIDENCE_REF_MAX)
                for i, e in enumerate(cmd.evidence)
            )
            claimed = v.points(cmd.claimed_points, "claimed_points")
            record = self._new_or_named(
                PerformanceRecord, cmd.school_id, cmd.record_id, "record_id", "r"
            )
            record.file(
                member_id=member.id,
                branch_id=member.branch_id,
                category=category,
                channel=channel,
                occurred_on=occurred_on,
                description=description,
                evidence=evidence,
                claimed_points=claimed,
            )
            return Decision(record)

        return self.executor.run("RecordPerformance", cmd, context, decide, idempotency_key=key)

    @staticmethod
    def _may_record(principal: Principal, member: Member, channel: Channel) -> None:
        """Members declare their own records; public reports and investigations come
        through the branch or the committee."""
        if principal.role is Role.MEMBER:
            if principal.subject != member.id:
                raise PermissionDenied("a member records only their own performance")
            if channel is not Channel.SELF_DECLARED:
                raise PermissionDenied("a member may only self-declare a record")
            return
        require_role(principal, *BRANCH_LEADERS)
        require_branch(principal, member.branch_id)

    def _verifiable(
        self, principal: Principal, school_id: str, record_id: str
    ) -> PerformanceRecord:
        record = self.repository.load(
            PerformanceRecord, school_id, v.identifier(record_id, "record_id")
        )
        record.require_exists()
        member = self._member(school_id, record.member_id)
        self._lead_branch(principal, member.branch_id)
        return record

    def verify_record(
        self,
        principal: Principal,
        cmd: c.VerifyRecord,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *BRANCH_LEADERS)

        def decide() -> Decision:
            record = self._verifiable(principal, cmd.school_id, cmd.record_id)
            points = v.points(cmd.awarded_points, "awarded_points")
            note = v.text(cmd.note, "note", max_length=TEXT_MAX, required=False)
            record.verify(principal.subject, points, note)
            return Decision(record)

        return self.executor.run(
            "VerifyRecord",
            cmd,
            context,
            decide,
            idempotency_key=key,
            expected_version=expected_version,
        )

    def reject_record(
        self,
        principal: Principal,
        cmd: c.RejectRecord,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *BRANCH_LEADERS)

        def decide() -> Decision:
            record = self._verifiable(principal, cmd.school_id, cmd.record_id)
            record.reject(principal.subject, v.text(cmd.reason, "reason", max_length=TEXT_MAX))
            return Decision(record)

        return self.executor.run(
            "RejectRecord",
            cmd,
            context,
            decide,
            idempotency_key=key,
            expected_version=expected_version,
        )

    def correct_record(
        self,
        principal: Principal,
        cmd: c.CorrectRecord,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *BRANCH_LEADERS)

        def decide() -> Decision:
            record = self._verifiable(principal, cmd.school_id, cmd.record_id)
            points = v.points(cmd.awarded_points, "awarded_points")
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX)
            record.correct(principal.subject, points, reason)
            return Decision(record)

        return self.executor.run(
            "CorrectRecord",
            cmd,
            context,
            decide,
            idempotency_key=key,
            expected_version=expected_version,
        )

    # -- model posts ---------------------------------------------------------------------

    def establish_model_post(
        self, principal: Principal, cmd: c.EstablishModelPost, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            self._school(cmd.school_id)
            name = v.line(cmd.name, "name", max_length=NAME_MAX_POST)
            kind = v.choice(cmd.kind, PostKind, "kind")
            criteria = v.text(cmd.criteria, "criteria", max_length=TEXT_MAX, required=False)
            post = self._new_or_named(ModelPost, cmd.school_id, cmd.post_id, "post_id", "p")
            post.establish(name, kind, criteria)
            return Decision(post)

        return self.executor.run("EstablishModelPost", cmd, context, decide, idempotency_key=key)

    def _post(self, school_id: str, post_id: str) -> ModelPost:
        post = self.repository.load(ModelPost, school_id, v.identifier(post_id, "post_id"))
        post.require_exists()
        return post

    def _assignment(self, school_id: str, post_id: str, member_id: str) -> PostAssignment:
        v.identifier(post_id, "post_id")
        v.identifier(member_id, "member_id")
        return self.repository.load(
            PostAssignment, school_id, PostAssignment.id_of(post_id, member_id)
        )

    def assign_member_to_post(
        self, principal: Principal, cmd: c.AssignMemberToPost, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            post = self._post(cmd.school_id, cmd.post_id)
            self._member(cmd.school_id, cmd.member_id).require_active()
            assigned_on = v.day(cmd.assigned_on, "assigned_on", today=self.today())
            assignment = self._assignment(cmd.school_id, cmd.post_id, cmd.member_id)
            assignment.assign(post, assigned_on)
            return Decision(assignment)

        return self.executor.run("AssignMemberToPost", cmd, context, decide, idempotency_key=key)

    def review_model_post(
        self, principal: Principal, cmd: c.ReviewModelPost, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            period = self._open_period(school, cmd.period)
            score = v.points(cmd.score, "score")
            comment = v.text(cmd.comment, "comment", max_length=TEXT_MAX, required=False)
            self._post(cmd.school_id, cmd.post_id)
            self._member(cmd.school_id, cmd.member_id)
            assignment = self._assignment(cmd.school_id, cmd.post_id, cmd.member_id)
            assignment.review(period.id, score, comment)
            return Decision(assignment)

        return self.executor.run("ReviewModelPost", cmd, context, decide, idempotency_key=key)

    def release_member_from_post(
        self, principal: Principal, cmd: c.ReleaseMemberFromPost, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            self._post(cmd.school_id, cmd.post_id)
            self._member(cmd.school_id, cmd.member_id)
            released_on = v.day(cmd.released_on, "released_on", today=self.today())
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX, required=False)
            assignment = self._assignment(cmd.school_id, cmd.post_id, cmd.member_id)
            assignment.release(released_on, reason)
            return Decision(assignment)

        return self.executor.run("ReleaseMemberFromPost", cmd, context, decide, idempotency_key=key)

    # -- assessments and appeals ---------------------------------------------------------

    def submit_assessment(
        self, principal: Principal, cmd: c.SubmitAssessment, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        tier = v.choice(cmd.tier, Tier, "tier")

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            member = self._member(cmd.school_id, cmd.member_id)
            member.require_active()
            self._may_assess(principal, member, tier)
            period = self._open_period(school, cmd.period)
            scores = self._scores(cmd.scores)
            comment = v.text(cmd.comment, "comment", max_length=TEXT_MAX, required=False)
            if tier in SEALED_TIERS:
                stream = seal_ballot(
                    self.ballot_secret,
                    school_id=cmd.school_id,
                    member_id=member.id,
                    period=period.id,
                    tier=tier,
                    assessor_id=principal.subject,
                )
            else:
                stream = f"{period.id}:{member.id}:{tier.value}"
            assessment = self.repository.load(Assessment, cmd.school_id, stream)
            assessment.submit(
                member_id=member.id, period=period.id, tier=tier, scores=scores, comment=comment
            )
            sealed = Actor(id=f"ballot:{stream}", role=principal.role)
            return Decision(assessment, actor=sealed if tier in SEALED_TIERS else None)

        return self.executor.run("SubmitAssessment", cmd, context, decide, idempotency_key=key)

    def _may_assess(self, principal: Principal, member: Member, tier: Tier) -> None:
        if tier is Tier.SELF:
            if principal.role is not Role.MEMBER or principal.subject != member.id:
                raise PermissionDenied("only the member themself submits a self-assessment")
        elif tier is Tier.PEER:
            require_role(principal, Role.MEMBER, Role.SECRETARY)
            if principal.subject == member.id:
                raise PermissionDenied("a member never reviews themself")
            if self._branch_of(principal, member.school_id) != member.branch_id:
                raise PermissionDenied("peer reviews come from the member's own branch")
        elif tier is Tier.PUBLIC:
            require_role(principal, Role.PUBLIC)
        else:
            require_role(principal, Role.COMMITTEE)

    def _branch_of(self, principal: Principal, school_id: str) -> str | None:
        """A secretary's branch is in their token; a member's is where the roll has them now
        (member tokens need not carry a branch, and a transfer would make it stale)."""
        if principal.role is Role.SECRETARY:
            return principal.branch_id
        reviewer = self.repository.load(Member, school_id, principal.subject)
        return reviewer.branch_id if reviewer.exists and reviewer.active else None

    @staticmethod
    def _scores(raw: dict[str, float]) -> dict[Lead, float]:
        scores = {}
        for lead in Lead:
            if lead.value not in raw:
                raise InvalidArgument("a score for each of the four leads", field=f"scores.{lead}")
            scores[lead] = v.points(raw[lead.value], f"scores.{lead.value}")
        return scores

    def file_appeal(self, principal: Principal, cmd: c.FileAppeal, key: str = "") -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, Role.MEMBER)
        if principal.subject != cmd.member_id:
            raise PermissionDenied("a member appeals only for themself")

        def decide() -> Decision:
            member = self._member(cmd.school_id, cmd.member_id)
            subject = v.choice(cmd.subject, AppealSubject, "subject")
            if subject is AppealSubject.RECORD:
                record = self.repository.load(
                    PerformanceRecord, cmd.school_id, v.identifier(cmd.subject_id, "subject_id")
                )
                if not record.exists or record.member_id != member.id:
                    raise NotFound("no record of this member has that id", field="subject_id")
            else:
                parse_period(cmd.subject_id, field="subject_id")
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX)
            appeal = self._new_or_named(Appeal, cmd.school_id, "", "appeal_id", "a")
            appeal.file(member.id, subject, cmd.subject_id, reason)
            return Decision(appeal)

        return self.executor.run("FileAppeal", cmd, context, decide, idempotency_key=key)

    def resolve_appeal(
        self, principal: Principal, cmd: c.ResolveAppeal, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            appeal = self.repository.load(
                Appeal, cmd.school_id, v.identifier(cmd.appeal_id, "appeal_id")
            )
            appeal.resolve(
                v.choice(cmd.outcome, AppealOutcome, "outcome"),
                v.text(cmd.reason, "reason", max_length=TEXT_MAX),
            )
            return Decision(appeal)

        return self.executor.run("ResolveAppeal", cmd, context, decide, idempotency_key=key)
