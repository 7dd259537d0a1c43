"""The vocabulary the services share (the published language): member roles, the four
records, the three channels, model posts, assessment tiers, the four leads, appeals, and the
states a pledge passes through (statuses, PDCA stages, verdicts, outcomes, rectification,
reviewers), and where a member stands in a publication. Every value here travels in events;
renaming one is a new schema version. The terms: docs/design.md#glossary."""

from __future__ import annotations

from enum import StrEnum


class MemberRole(StrEnum):
    """党员 (教师党员): what a teacher-member does at the school."""

    TEACHER = "teacher"
    HEAD_TEACHER = "head_teacher"  # 班主任
    STAFF = "staff"  # 职工


class RecordCategory(StrEnum):
    """四项记录: the four records of the performance archive."""

    STUDY_TRAINING = "study_training"  # 学习培训
    DUTY_PERFORMANCE = "duty_performance"  # 工作履职
    ACTIVITIES = "activities"  # 参加活动
    INTEGRITY = "integrity"  # 诚信品德


class Channel(StrEnum):
    """三个渠道: how a record arrives."""

    SELF_DECLARED = "self_declared"  # 主动申报
    PUBLIC_REPORT = "public_report"  # 群众反映核实
    BRANCH_INVESTIGATION = "branch_investigation"  # 支部调查


class PostKind(StrEnum):
    """示范岗: the kind of model post."""

    HEAD_TEACHER = "head_teacher"  # 党员班主任示范岗
    STAFF = "staff"  # 党员职工示范岗
    OTHER = "other"


class Tier(StrEnum):
    """三级考评: who assesses. Peer and public together make tier 2."""

    SELF = "self"  # 自评
    PEER = "peer"  # 互评
    PUBLIC = "public"  # 群众评议
    COMMITTEE = "committee"  # 党委审定


class Lead(StrEnum):
    """四个带头: the four leads every assessment scores."""

    STUDY = "study"  # 带头学习
    WORK = "work"  # 带头做事
    DISCIPLINE = "discipline"  # 带头守纪
    DEVOTION = "devotion"  # 带头爱校


class AppealSubject(StrEnum):
    RECORD = "record"
    EVALUATION = "evaluation"


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


# -- pledges -------------------------------------------------------------------------------


class PledgeStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for the branch
    RETURNED = "returned"  # sent back with a reason; the member revises and resubmits
    APPROVED = "approved"
    PUBLISHED = "published"  # 公示: visible to the public
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Stage(StrEnum):
    """Where a pledge stands in its PDCA loop."""

    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"
    DONE = "done"


class Verdict(StrEnum):
    """The branch's verdict on one fulfilment report."""

    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class Outcome(StrEnum):
    """How a closed pledge ended."""

    FULFILLED = "fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    UNFULFILLED = "unfulfilled"


class RectificationStatus(StrEnum):
    """整改: the Act step for a pledge closed short of fulfilled."""

    REQUIRED = "required"
    REPORTED = "reported"  # the member has reported what they put right
    COMPLETED = "completed"  # the branch confirmed it


class ReviewerKind(StrEnum):
    """Who gives supervision feedback (监督)."""

    STUDENT = "student"
    PARENT = "parent"
    COLLEAGUE = "colleague"
    OTHER = "other"


# -- scoring -------------------------------------------------------------------------------


class Standing(StrEnum):
    """Where a member of the roster stands in a publication (月度公示 / 季度通报 / 年度表彰)."""

    COMPLETE = "complete"  # every tier in: a composite and stars
    PROVISIONAL = "provisional"  # inputs counted, a tier still missing: no stars yet
    NO_ACTIVITY = "no_activity"  # on the roster, nothing counted in the period


class FollowUpReason(StrEnum):
    """Why a publication flags a member for their branch to follow up."""

    BELOW_THRESHOLD = "below_threshold"  # a complete evaluation under the one-star threshold
    NO_ACTIVITY = "no_activity"  # on the roster with nothing counted in the period
