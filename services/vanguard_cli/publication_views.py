"""Publications as terminal tables: the committee's whole document with its versions, and the
public's 公示 of a month."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from vanguard.archives.v1 import archives_pb2 as pb
from vanguard_cli.labels import label, stars
from vanguard_cli.verifying import DocumentCheck

FOLLOW_UP_REASONS = {"below_threshold": "低于一星", "no_activity": "无活动"}


def _table(title: str, columns: Sequence[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def _standing(standing: str) -> str:
    return f"{label(standing)} {standing}"


def _entries(document: pb.PublicationDocument) -> Table:
    table = _table("名单 entries", ("党员", "姓名", "支部", "状态", "综合分", "星级", "说明"))
    for e in document.entries:
        notes = [f"missing {', '.join(e.missing)}"] if e.missing else []
        if e.amended:
            notes.append(f"已更正 appeal {e.appeal_id}")
        table.add_row(
            e.member_id,
            e.name,
            e.branch_id,
            _standing(e.standing),
            f"{e.composite:.1f}" if e.HasField("composite") else "—",
            stars(e.stars if e.HasField("stars") else None),
            " · ".join(notes) or "–",
        )
    return table


def _follow_up(document: pb.PublicationDocument) -> Table:
    table = _table("跟进 follow-up", ("党员", "姓名", "支部", "原因"))
    for f in document.follow_up:
        table.add_row(f.member_id, f.name, f.branch_id, FOLLOW_UP_REASONS.get(f.reason, f.reason))
    return table


def _versions(publication: pb.Publication) -> Table:
    table = _table("版本 versions", ("#", "事件", "event id", "digest", "更正"))
    for v in publication.versions:
        amends = f"amends {v.amends[:8]}… appeal {v.appeal_id} ({v.member_id})" if v.amends else ""
        table.add_row(str(v.version), v.event_type, v.event_id, v.digest, amends or "–")
    return table


def publication_view(publication: pb.Publication) -> Group:
    d = publication.current
    names = {e.member_id: e.name for e in d.entries}
    heading = Text(
        f"{label(d.publication)} {d.publication} {publication.period} ({d.kind}) · rules "
        f"{d.rules_version} · {d.input_events} source events\n"
        f"digest {d.digest}\ninputs digest {d.inputs_digest}\nevent {d.event_id} "
        f"(closed by {d.closed_by})\n"
        f"表彰 commendations: {', '.join(names.get(m, m) for m in d.commendations) or '–'}"
    )
    return Group(heading, _entries(d), _follow_up(d), _versions(publication))


def notice_view(notice: pb.Notice) -> Group:
    table = _table(
        f"{notice.school_name} {notice.period} 公示 ({len(notice.entries)})",
        ("姓名", "支部", "状态", "星级", ""),
    )
    for e in notice.entries:
        marks = [m for m, on in (("表彰", e.commended), ("已更正", e.amended)) if on]
        table.add_row(
            e.name,
            e.branch_name or e.branch_id,
            _standing(e.standing),
            stars(e.stars if e.HasField("stars") else None),
            " ".join(marks),
        )
    return Group(table, Text(f"digest {notice.digest} · event {notice.event_id}"))


def check_lines(checks: Sequence[DocumentCheck]) -> list[str]:
    """One line per version, plain (an inspector may keep or grep them): the verdict first."""
    lines = []
    for c in checks:
        verdict = "match" if c.matches else "MISMATCH"
        line = f"{verdict:<8} v{c.stream_version} {c.event_type} {c.event_id} digest {c.digest}"
        if not c.matches:
            line += f" (recomputed {c.recomputed}): " + "; ".join(c.problems)
        lines.append(line)
    return lines
