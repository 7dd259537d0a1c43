"""Performance records: filed by the member (self-declared) or their branch, then verified,
rejected or corrected by the branch's leaders."""

from __future__ import annotations

from collections.abc import Callable

from archives import commands as c
from archives.domain.member import Member
from archives.domain.record import PerformanceRecord
from archives.handlers.base import (
    BRANCH_LEADERS,
    EVIDENCE_MAX,
    EVIDENCE_REF_MAX,
    TEXT_MAX,
    HandlerBase,
)
from contracts.vocabulary import Channel, RecordCategory
from kernel import validation as v
from kernel.auth import Principal, require_branch, require_role
from kernel.commands import Decision
from kernel.envelope import Role
from kernel.errors import InvalidArgument, PermissionDenied
from kernel.store import AppendResult


class RecordHandlers(HandlerBase):
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
            occurred_on = self._open_day(
                school, cmd.occurred_on, "occurred_on", member_id=member.id, appeal_id=cmd.appeal_id
            )
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
                appeal_id=cmd.appeal_id,
            )
            return Decision(record)

        return self._run("RecordPerformance", cmd, context, decide, key)

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
        self, principal: Principal, school_id: str, record_id: str, appeal_id: str
    ) -> PerformanceRecord:
        """The record a branch leader decides on: theirs to lead, and its day in no closed
        period (unless an upheld appeal of its member about it, or its period, unlocks it)."""
        record = self.repository.load(
            PerformanceRecord, school_id, v.identifier(record_id, "record_id")
        )
        record.require_exists()
        school, member = self._school_and_member(school_id, record.member_id)
        self._lead_branch(principal, member.branch_id)
        assert record.occurred_on is not None  # set by the record's first event
        self._unfrozen(
            school,
            school.close_of_day(record.occurred_on),
            record.occurred_on,
            f"record {record.id} of {record.occurred_on}",
            "record_id",
            record.member_id,
            appeal_id,
            record.id,
        )
        return record

    def _on_record(
        self,
        name: str,
        principal: Principal,
        cmd: c.VerifyRecord | c.RejectRecord | c.CorrectRecord,
        act: Callable[[PerformanceRecord], None],
        key: str,
        expected: int | None,
    ) -> AppendResult:
        """The common shape of a branch leader's decision on a filed record."""
        context = self._context(principal, cmd.school_id)
        require_role(principal, *BRANCH_LEADERS)

        def decide() -> Decision:
            record = self._verifiable(principal, cmd.school_id, cmd.record_id, cmd.appeal_id)
            act(record)
            return Decision(record)

        return self._run(name, cmd, context, decide, key, expected)

    def verify_record(
        self,
        principal: Principal,
        cmd: c.VerifyRecord,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        def act(record: PerformanceRecord) -> None:
            points = v.points(cmd.awarded_points, "awarded_points")
            note = v.text(cmd.note, "note", max_length=TEXT_MAX, required=False)
            record.verify(principal.subject, points, note, cmd.appeal_id)

        return self._on_record("VerifyRecord", principal, cmd, act, key, expected_version)

    def reject_record(
        self,
        principal: Principal,
        cmd: c.RejectRecord,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        def act(record: PerformanceRecord) -> None:
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX)
            record.reject(principal.subject, reason, cmd.appeal_id)

        return self._on_record("RejectRecord", principal, cmd, act, key, expected_version)

    def correct_record(
        self,
        principal: Principal,
        cmd: c.CorrectRecord,
        key: str = "",
        expected_version: int | None = None,
    ) -> AppendResult:
        def act(record: PerformanceRecord) -> None:
            points = v.points(cmd.awarded_points, "awarded_points")
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX)
            record.correct(principal.subject, points, reason, cmd.appeal_id)

        return self._on_record("CorrectRecord", principal, cmd, act, key, expected_version)
