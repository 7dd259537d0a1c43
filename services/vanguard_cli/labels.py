"""How the terminal names the domain's codes: the Chinese term beside the code."""

from __future__ import annotations

LABELS: dict[str, str] = {
    # four leads (四个带头)
    "study": "带头学习",
    "work": "带头做事",
    "discipline": "带头守纪",
    "devotion": "带头爱校",
    # four records (四项记录)
    "study_training": "学习培训",
    "duty_performance": "工作履职",
    "activities": "参加活动",
    "integrity": "诚信品德",
    # three channels (三个渠道)
    "self_declared": "主动申报",
    "public_report": "群众反映核实",
    "branch_investigation": "支部调查",
    # member roles
    "teacher": "教师",
    "head_teacher": "班主任",
    "staff": "职工",
    # statuses and PDCA stages
    "pending": "待核实",
    "verified": "已核实",
    "rejected": "未通过",
    "submitted": "待审批",
    "returned": "退回修改",
    "approved": "已审批",
    "published": "已公示",
    "closed": "已办结",
    "withdrawn": "已撤回",
    "plan": "P 计划",
    "do": "D 执行",
    "check": "C 检查",
    "act": "A 整改",
    "done": "完成",
    # where a member stands in a publication
    "complete": "完整",
    "provisional": "暂定",
    "no_activity": "无活动",
    # publications
    "monthly_publication": "月度公示",
    "quarterly_report": "季度通报",
    "annual_commendation": "年度表彰",
    "fulfilled": "已践诺",
    "partially_fulfilled": "部分践诺",
    "unfulfilled": "未践诺",
}


def label(code: str) -> str:
    """`学习培训` for `study_training`; an unknown code as it is."""
    return LABELS.get(code, code)


def stars(count: int | None) -> str:
    """★ per star; "–" for none earned; "—" when there are none to show (a provisional
    evaluation, or no activity in the period)."""
    if count is None:
        return "—"
    return "★" * count if count else "–"


def points(value: float) -> str:
    return f"{value:g}"
