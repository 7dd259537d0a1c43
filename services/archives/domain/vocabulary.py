"""Archives vocabulary (DESIGN.md §1): member roles, the four records, the three channels,
model posts, assessment tiers and the four leads."""

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
