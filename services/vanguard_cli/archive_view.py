"""A member's performance archive (业绩档案) as terminal tables."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from vanguard.archives.v1 import archives_pb2 as pb
from vanguard_cli.labels import label, points, stars


def archive_view(archive: pb.Archive) -> RenderableType:
    member = archive.member
    roles = "、".join(label(r) for r in member.roles)
    state = "" if member.active else " · 已离开"
    header = Text.assemble(
        (f"{member.name} ", "bold"),
        f"{member.member_id} · 支部 {member.branch_id} · {roles} · 入党 {member.joined_party_on}",
        state,
        f"\n核实积分 {points(archive.verified_points)} · {archive.events} events",
        f" · as of {archive.as_of}" if archive.as_of else "",
    )
    parts: list[RenderableType] = [header, _records(archive)]
    if archive.posts:
        parts.append(_posts(archive))
    if archive.pledges:
        parts.append(_pledges(archive))
    if archive.assessments:
        parts.append(_assessments(archive))
    if archive.evaluations:
        parts.append(_evaluations(archive))
    return Group(*parts)


def _records(archive: pb.Archive) -> Table:
    table = Table(title="业绩记录 records", title_justify="left")
    for column in ("日期", "记录", "渠道", "内容", "状态", "积分"):
        table.add_column(column, justify="right" if column == "积分" else "left")
    for record in archive.records:
        table.add_row(
            record.occurred_on,
            label(record.category),
            label(record.channel),
            record.description,
            label(record.status),
            points(record.awarded_points if record.status == "verified" else record.claimed_points),
        )
    return table


def _posts(archive: pb.Archive) -> Table:
    table = Table(title="示范岗 model posts", title_justify="left")
    for column in ("示范岗", "任职", "评议"):
        table.add_column(column)
    for post in archive.posts:
        held = post.assigned_on + (f" – {post.released_on}" if post.released_on else " 起")
        reviews = ", ".join(f"{r.period}: {points(r.score)}" for r in post.reviews)
        table.add_row(post.name, held, reviews or "–")
    return table


def _pledges(archive: pb.Archive) -> Table:
    table = Table(title="承诺践诺 pledges", title_justify="left")
    for column in ("承诺", "带头", "期间", "状态", "PDCA"):
        table.add_column(column)
    for pledge in archive.pledges:
        status = label(pledge.outcome) if pledge.outcome else label(pledge.status)
        table.add_row(
            pledge.title, label(pledge.lead), pledge.period, status, label(pledge.pdca_stage)
        )
    return table


def _assessments(archive: pb.Archive) -> Table:
    table = Table(title="三级考评 assessments", title_justify="left")
    for column in ("期间", "自评", "互评", "群众评议", "党委审定"):
        table.add_column(column)
    for entry in archive.assessments:
        table.add_row(
            entry.period,
            "已提交" if entry.has_self else "–",
            f"{entry.peer_reviews} 份",
            f"{entry.public_reviews} 份",
            "已审定" if entry.has_committee else "–",
        )
    return table


def _evaluations(archive: pb.Archive) -> Table:
    table = Table(title="考评结果 evaluations", title_justify="left")
    for column in ("期间", "综合分", "星级", "状态"):
        table.add_column(column)
    for evaluation in archive.evaluations:
        state = ["已公示"] if evaluation.published else []
        if evaluation.amended:
            state.append(f"已更正 amended by appeal {evaluation.appeal_id}")
        if evaluation.standing and evaluation.standing != "complete":
            state.append(f"{label(evaluation.standing)} {evaluation.standing}")
        if evaluation.missing:
            state.append("missing " + ", ".join(evaluation.missing))
        table.add_row(
            evaluation.period,
            f"{evaluation.composite:.1f}" if evaluation.HasField("composite") else "—",
            stars(evaluation.stars if evaluation.HasField("stars") else None),
            " ".join(state) or "–",
        )
    return table
