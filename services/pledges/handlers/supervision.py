"""Supervision (监督): the public gives feedback on a published pledge; the pledge's branch
verifies or dismisses it. The giver's contact goes to the contact book, never into an event,
and is forgotten once the feedback is decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.vocabulary import ReviewerKind
from kernel import validation as v
from kernel.auth import Principal, require_role, require_school
from kernel.commands import Decision
from kernel.envelope import CommandContext, Role
from kernel.errors import InvalidArgument, PermissionDenied
from kernel.handlers import new_id
from kernel.store import AppendResult
from pledges import commands as c
from pledges.authority import as_branch_leader
from pledges.domain.feedback import Feedback
from pledges.handlers.base import HandlerBase

GIVERS = (Role.PUBLIC, Role.MEMBER)
CONTACT_MAX = 200
RATING_MIN, RATING_MAX = 1, 5


class SupervisionHandlers(HandlerBase):
    def give_feedback(
        self, principal: Principal, cmd: c.GiveFeedback, key: str = ""
    ) -> AppendResult:
        context = self._public_context(principal, cmd.school_id)
        require_role(principal, *GIVERS)
        if not RATING_MIN <= cmd.rating <= RATING_MAX:
            raise InvalidArgument(f"must be {RATING_MIN}–{RATING_MAX}", field="rating")
        text = self._text(cmd.text, "text", required=False)
        kind = v.choice(cmd.reviewer_kind, ReviewerKind, "reviewer_kind")
        contact = self._text(cmd.contact, "contact", CONTACT_MAX, required=False, single_line=True)
        feedback_id = new_id("f")

        def decide() -> Decision:
            pledge = self._pledge(cmd.school_id, cmd.pledge_id)
            if principal.subject == pledge.member_id:
                raise PermissionDenied("a member gives no feedback on their own pledge")
            feedback = self.repository.load(Feedback, cmd.school_id, feedback_id)
            feedback.give(pledge, rating=cmd.rating, text=text, reviewer_kind=kind)
            return Decision(feedback)

        result = self._run("GiveFeedback", cmd, context, decide, key)
        if contact and not result.replayed:
            self.contacts.keep(cmd.school_id, feedback_id, contact)
        return result

    def _public_context(self, principal: Principal, school_id: str) -> CommandContext:
        """Anonymous callers belong to no school and may address any; a token's school must
        be the one addressed. The school id is part of every stream id: check its form."""
        v.identifier(school_id, "school_id")
        if principal.school_id is not None:
            require_school(principal, school_id)
        return CommandContext(
            school_id=school_id, actor=principal.actor, correlation_id=self.correlation_id()
        )

    def verify_feedback(
        self,
        principal: Principal,
        cmd: c.VerifyFeedback,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(feedback: Feedback) -> None:
            feedback.verify(principal.subject, self._text(cmd.note, "note", required=False))

        return self._decide_feedback("VerifyFeedback", principal, cmd, act, key, expected)

    def dismiss_feedback(
        self,
        principal: Principal,
        cmd: c.DismissFeedback,
        key: str = "",
        expected: int | None = None,
    ) -> AppendResult:
        def act(feedback: Feedback) -> None:
            feedback.dismiss(principal.subject, self._text(cmd.reason, "reason"))

        return self._decide_feedback("DismissFeedback", principal, cmd, act, key, expected)

    def _decide_feedback(
        self,
        name: str,
        principal: Principal,
        cmd: Any,
        act: Callable[[Feedback], None],
        key: str,
        expected: int | None,
    ) -> AppendResult:
        context = self._context(principal, cmd.school_id)

        def decide() -> Decision:
            feedback_id = v.identifier(cmd.feedback_id, "feedback_id")
            feedback = self.repository.load(Feedback, cmd.school_id, feedback_id)
            feedback.require_exists()
            as_branch_leader(principal, feedback)
            self._at_version(feedback, expected)
            act(feedback)
            return Decision(feedback)

        result = self._run(name, cmd, context, decide, key, expected)
        self.contacts.forget(cmd.school_id, cmd.feedback_id)
        return result
