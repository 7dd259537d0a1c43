"""Model posts (示范岗) and the members who hold them."""

from __future__ import annotations

from datetime import date

from contracts.archives import (
    MemberAssignedToPost,
    MemberReleasedFromPost,
    ModelPostEstablished,
    ModelPostReviewed,
)
from contracts.vocabulary import PostKind
from kernel.aggregate import Aggregate
from kernel.errors import NotFound, PreconditionFailed


class ModelPost(Aggregate):
    kind = "post"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.name = ""
        self.post_kind = PostKind.OTHER

    def establish(self, name: str, kind: PostKind, criteria: str) -> None:
        if self.exists:
            raise PreconditionFailed(f"model post {self.id} already exists", field="post_id")
        self.record(ModelPostEstablished(post_id=self.id, name=name, kind=kind, criteria=criteria))

    def require_exists(self) -> None:
        if not self.exists:
            raise NotFound(f"model post {self.id} does not exist", field="post_id")

    def when_ModelPostEstablished(self, event: ModelPostEstablished) -> None:
        self.name = event.name
        self.post_kind = event.kind


class PostAssignment(Aggregate):
    """One member's tenure in one post: id `<post_id>:<member_id>`, keyed by the member."""

    kind = "assignment"

    def __init__(self, school_id: str, id: str) -> None:
        super().__init__(school_id, id)
        self.post_id, _, self.member_id = id.partition(":")
        self.held = False
        self.reviewed_periods: set[str] = set()

    @staticmethod
    def id_of(post_id: str, member_id: str) -> str:
        return f"{post_id}:{member_id}"

    @property
    def partition_key(self) -> str:
        return self.member_id

    def assign(self, post: ModelPost, assigned_on: date) -> None:
        if self.held:
            raise PreconditionFailed(
                f"member {self.member_id} already holds post {self.post_id}", field="member_id"
            )
        self.record(
            MemberAssignedToPost(
                post_id=self.post_id,
                member_id=self.member_id,
                post_name=post.name,
                post_kind=post.post_kind,
                assigned_on=assigned_on,
            )
        )

    def review(self, period: str, score: float, comment: str, appeal_id: str = "") -> None:
        if not self.exists:
            raise PreconditionFailed(
                f"member {self.member_id} has never held post {self.post_id}", field="member_id"
            )
        if period in self.reviewed_periods:
            raise PreconditionFailed(f"post already reviewed for {period}", field="period")
        self.record(
            ModelPostReviewed(
                post_id=self.post_id,
                member_id=self.member_id,
                period=period,
                score=score,
                comment=comment,
                appeal_id=appeal_id,
            )
        )

    def release(self, released_on: date, reason: str) -> None:
        if not self.held:
            raise PreconditionFailed(
                f"member {self.member_id} does not hold post {self.post_id}", field="member_id"
            )
        self.record(
            MemberReleasedFromPost(
                post_id=self.post_id,
                member_id=self.member_id,
                released_on=released_on,
                reason=reason,
            )
        )

    def when_MemberAssignedToPost(self, event: MemberAssignedToPost) -> None:
        self.held = True

    def when_ModelPostReviewed(self, event: ModelPostReviewed) -> None:
        self.reviewed_periods.add(event.period)

    def when_MemberReleasedFromPost(self, event: MemberReleasedFromPost) -> None:
        self.held = False
