"""The demo's words: what records describe, what pledges promise, what parents say."""

from __future__ import annotations

RECORDS: dict[str, tuple[str, ...]] = {
    "study_training": (
        "参加党史专题学习并撰写心得",
        "完成新课标培训 24 学时",
        "参加“三会一课”并作交流发言",
    ),
    "duty_performance": (
        "承担高一年级公开课并获好评",
        "指导青年教师完成教学设计",
        "带领班级获评文明班级",
    ),
    "activities": (
        "参加社区义务家教志愿服务",
        "组织学生参观革命纪念馆",
        "参加校运会后勤保障",
    ),
    "integrity": (
        "拒收家长礼品并主动退回",
        "坚持不搞有偿补课,家长来信表扬",
        "如实申报个人事项",
    ),
}

PLEDGES: dict[str, tuple[str, tuple[str, str]]] = {
    "study": ("每月精读一本教育专著", ("读完 4 本专著并写读书笔记", "在教研组分享 2 次")),
    "work": ("每周上一节公开课", ("完成 12 节公开课", "带教 1 名青年教师")),
    "discipline": ("带头遵守师德规范", ("全学期零有偿补课", "按时到岗,零迟到")),
    "devotion": ("带头参加校园志愿服务", ("志愿服务 20 小时", "参与校园文化建设 2 项")),
}

FEEDBACK = (
    "老师很负责,孩子进步很大",
    "公开课讲得生动,学生都爱听",
    "说到做到,值得信赖",
    "对学生耐心细致,家长很放心",
)

POSTS = (
    ("head-teacher-post", "党员班主任示范岗", "head_teacher", "班级管理规范,家长满意度高"),
    ("staff-post", "党员职工示范岗", "staff", "服务师生热情周到,后勤保障到位"),
)
