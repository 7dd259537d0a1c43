"""Assessments of a member for a period, by tier: self, peer, public and committee. Sealed
tiers are filed under a ballot, not under the assessor."""

from __future__ import annotations

from archives import commands as c
from archives.domain.assessment import SEALED_TIERS, Assessment, seal_ballot
from archives.domain.member import Member
from archives.handlers.base import TEXT_MAX, HandlerBase
from contracts.vocabulary import Lead, Tier
from kernel import validation as v
from kernel.auth import Principal, require_role
from kernel.commands import Decision
from kernel.envelope import Actor, Role
from kernel.errors import InvalidArgument, PermissionDenied
from kernel.store import AppendResult


class AssessmentHandlers(HandlerBase):
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
            period = self._open_period(
                school, cmd.period, member_id=member.id, appeal_id=cmd.appeal_id
            )
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
                member_id=member.id,
                period=period.id,
                tier=tier,
                scores=scores,
                comment=comment,
                appeal_id=cmd.appeal_id,
            )
            sealed = Actor(id=f"ballot:{stream}", role=principal.role)
            return Decision(assessment, actor=sealed if tier in SEALED_TIERS else None)

        return self._run("SubmitAssessment", cmd, context, decide, key)

    def _may_assess(self, principal: Principal, member: Member, tier: Tier) -> None:
        if tier is Tier.SELF:
            if principal.role is not Role.MEMBER or principal.subject != member.id:
                raise PermissionDenied("only the member themself submits a self-assessment")
            return
        if tier in SEALED_TIERS and principal.subject == member.id:
            # Whatever the token's role: a public token is no way round the peer rule.
            raise PermissionDenied("a member never reviews themself")
        if tier is Tier.PEER:
            require_role(principal, Role.MEMBER, Role.SECRETARY)
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
