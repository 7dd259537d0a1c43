"""Model posts (示范岗): established by the committee, members assigned, reviewed each period
and released."""

from __future__ import annotations

from archives import commands as c
from archives.domain.posts import ModelPost, PostAssignment
from archives.handlers.base import COMMITTEE, NAME_MAX_POST, TEXT_MAX, HandlerBase
from contracts import school_calendar
from contracts.vocabulary import PostKind
from kernel import validation as v
from kernel.auth import Principal, require_role
from kernel.commands import Decision
from kernel.store import AppendResult


class PostHandlers(HandlerBase):
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

        return self._run("EstablishModelPost", cmd, context, decide, key)

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
            assigned_on = school_calendar.day(cmd.assigned_on, "assigned_on", today=self.today())
            assignment = self._assignment(cmd.school_id, cmd.post_id, cmd.member_id)
            assignment.assign(post, assigned_on)
            return Decision(assignment)

        return self._run("AssignMemberToPost", cmd, context, decide, key)

    def review_model_post(
        self, principal: Principal, cmd: c.ReviewModelPost, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            school = self._school(cmd.school_id)
            period = self._open_period(
                school, cmd.period, member_id=cmd.member_id, appeal_id=cmd.appeal_id
            )
            score = v.points(cmd.score, "score")
            comment = v.text(cmd.comment, "comment", max_length=TEXT_MAX, required=False)
            self._post(cmd.school_id, cmd.post_id)
            self._member(cmd.school_id, cmd.member_id)
            assignment = self._assignment(cmd.school_id, cmd.post_id, cmd.member_id)
            assignment.review(period.id, score, comment, cmd.appeal_id)
            return Decision(assignment)

        return self._run("ReviewModelPost", cmd, context, decide, key)

    def release_member_from_post(
        self, principal: Principal, cmd: c.ReleaseMemberFromPost, key: str = ""
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)
        require_role(principal, *COMMITTEE)

        def decide() -> Decision:
            self._post(cmd.school_id, cmd.post_id)
            self._member(cmd.school_id, cmd.member_id)
            released_on = school_calendar.day(cmd.released_on, "released_on", today=self.today())
            reason = v.text(cmd.reason, "reason", max_length=TEXT_MAX, required=False)
            assignment = self._assignment(cmd.school_id, cmd.post_id, cmd.member_id)
            assignment.release(released_on, reason)
            return Decision(assignment)

        return self._run("ReleaseMemberFromPost", cmd, context, decide, key)
