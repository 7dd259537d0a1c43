"""Pledges, the public board, evaluations and branch summaries as terminal tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from vanguard.archives.v1 import archives_pb2 as apb
from vanguard.pledges.v1 import pledges_pb2 as ppb
from vanguard.scoring.v1 import scoring_pb2 as spb
from vanguard_cli.labels import label, points, stars


def _table(title: str, columns: Sequence[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def _progress(targets: Iterable[ppb.Target]) -> str:
    return " / ".join(f"{t.progress}%" for t in targets) or "–"


def _feedback(summary: ppb.FeedbackSummary) -> str:
    if not summary.verified:
        return f"{summary.pending} 待核实" if summary.pending else "–"
    return f"{summary.verified} 条 · {summary.average_rating:.1f}★"


def pledges_view(pledges: Sequence[ppb.Pledge]) -> Table:
    columns = ("承诺", "党员", "支部", "带头", "标题", "状态", "PDCA", "进度", "监督")
    table = _table(f"承诺践诺 pledges ({len(pledges)})", columns)
    for p in pledges:
        status = label(p.outcome) if p.outcome else label(p.status)
        table.add_row(
            p.pledge_id,
            p.member_name,
            p.branch_id,
            label(p.lead),
            p.title,
            status + (" 逾期" if p.overdue else ""),
            label(p.pdca_stage),
            _progress(p.targets),
            _feedback(p.feedback),
        )
    return table


def board_view(pledges: Sequence[ppb.PublicPledge]) -> Table:
    columns = ("党员", "支部", "带头", "承诺", "目标进度", "状态", "群众评价")
    table = _table(f"承诺公示栏 public pledge board ({len(pledges)})", columns)
    for p in pledges:
        table.add_row(
            p.member_name,
            p.branch_id,
            label(p.lead),
            p.title,
            _progress(p.targets),
            label(p.outcome) if p.outcome else label(p.status),
            _feedback(p.feedback),
        )
    return table


def _optional(evaluation: spb.Evaluation, name: str) -> str:
    present = evaluation.HasField(name)  # type: ignore[arg-type]  # one of the three tiers
    return f"{getattr(evaluation, name):.1f}" if present else "– (missing)"


def _stars(evaluation: spb.Evaluation) -> str:
    """No stars while provisional: they wait for every tier."""
    return stars(evaluation.stars if evaluation.HasField("stars") else None)


def evaluation_view(evaluation: spb.Evaluation) -> RenderableType:
    state = "provisional 暂定: missing " + ", ".join(evaluation.missing)
    header = Text.assemble(
        (f"{evaluation.member_id} · {evaluation.period} ", "bold"),
        f"· rules {evaluation.rules_version} · {evaluation.inputs} inputs\n",
        (f"综合分 composite {evaluation.composite:.1f}  {_stars(evaluation)}", "bold"),
        f"  · {state}" if evaluation.provisional else "",
        "  · 需跟进 follow-up" if evaluation.follow_up else "",
    )
    table = _table("三级考评 parts", ("部分", "得分", "说明"))
    by_source = ", ".join(
        f"{k} {points(v)}" for k, v in sorted(evaluation.objective_by_source.items())
    )
    table.add_row(
        "客观积分 objective",
        f"{evaluation.objective_normalised:.1f}",
        f"{points(evaluation.objective_points)} points: {by_source or '–'}",
    )
    table.add_row("自评 self", _optional(evaluation, "self_assessment"), "")
    table.add_row(
        "互评/群众 peer & public",
        _optional(evaluation, "peer_public"),
        f"{evaluation.peer_public_ballots} ballots",
    )
    table.add_row("党委审定 committee", _optional(evaluation, "committee"), "")
    return Group(header, table)


def explanation_view(explanation: spb.Explanation) -> RenderableType:
    table = _table("逐项说明 explain", ("事件", "部分", "分值", "规则", "计入"))
    for c in explanation.contributions:
        table.add_row(
            c.event_type or "(cap)", c.part, points(c.amount), c.rule, "✓" if c.counted else "✗"
        )
    return Group(evaluation_view(explanation.evaluation), table)


# What a summary's bands rank (Summary.bands_by).
BANDS_BY = {"objective_points": "客观分 objective points", "verified_points": "核实积分 verified"}


def summary_view(summary: apb.Summary, members: Sequence[apb.Member]) -> RenderableType:
    header = Text.assemble(
        (f"支部 {summary.branch_id} ", "bold"),
        f"· {summary.members} members · {summary.records} records "
        f"({summary.verified_records} verified, {summary.pending_records} pending) · "
        f"核实积分 {points(summary.verified_points)} · 示范岗 {summary.model_posts_held}",
    )
    ranked = BANDS_BY.get(summary.bands_by, "积分")
    bands = _table("比业绩 bands (not ranks)", ("档次", "人数", ranked))
    for band in summary.bands:
        bands.add_row(
            band.label, str(band.members), f"{points(band.min_points)}–{points(band.max_points)}"
        )
    roll = _table("党员 members", ("党员", "姓名", "身份", "状态"))
    for m in members:
        roles = "、".join(label(r) for r in m.roles)
        roll.add_row(m.member_id, m.name, roles, "在册" if m.active else "已离开")
    return Group(header, bands, roll)
