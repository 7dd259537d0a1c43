"""`vanguard rules list | preview FILE | adopt FILE`: the school's scoring rules (评分细则) as
events. A FILE holds one rules version in the rules file format (docs/design.md#scoring);
preview replays a period under it (WhatIf) beside the rules in force, adopt makes it the
school's from its `effective_from` (committee)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from contracts.periods import periods_of
from vanguard.scoring.v1 import scoring_pb2 as pb
from vanguard_cli.labels import points, stars
from vanguard_cli.output import console, emit_json, fail
from vanguard_cli.session import session_of

app = typer.Typer(help="The school's scoring rules: list, preview and adopt versions.")

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
RulesFile = Annotated[
    Path, typer.Argument(metavar="FILE", help="One rules version (JSON, the rules file format).")
]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}", code=2) from None


def versions_view(versions: list[pb.RulesVersion]) -> Table:
    table = Table(title=f"评分细则 rules versions ({len(versions)})", title_justify="left")
    for column in ("版本 version", "生效 effective from", "来源 source", "通过 adopted", ""):
        table.add_column(column)
    for v in versions:
        source = "adopted" if v.adopted else "shipped"
        adopted = f"{v.adopted_at[:16].replace('T', ' ')} by {v.adopted_by}" if v.adopted else "–"
        table.add_row(
            v.version, v.effective_from, source, adopted, "在用 in force" if v.in_force else ""
        )
    return table


def preview_view(period: str, reply: pb.WhatIfReply) -> Table:
    title = (
        f"{period}: {reply.current_rules_version} (in force) vs "
        f"{reply.candidate_rules_version} (candidate)"
    )
    table = Table(title=title, title_justify="left")
    for column in ("党员", "current", "★", "candidate", "★", "change"):
        table.add_column(column)
    for m in reply.members:
        old_stars = m.old_stars if m.HasField("old_stars") else None
        new_stars = m.new_stars if m.HasField("new_stars") else None
        change = m.new_composite - m.old_composite
        table.add_row(
            m.member_id,
            points(m.old_composite),
            stars(old_stars),
            points(m.new_composite),
            stars(new_stars),
            f"{change:+g}",
        )
    return table


@app.command("list")
def list_rules(ctx: typer.Context, json: Json = False) -> None:
    """Every rules version of the school, shipped and adopted, and the one in force today."""
    reply = session_of(ctx).run(lambda v: v.scoring.list_rules())
    emit_json(reply) if json else console.print(versions_view(list(reply.versions)))


@app.command()
def preview(
    ctx: typer.Context,
    file: RulesFile,
    period: Annotated[
        str, typer.Option(help="The period to replay (default: the current month).")
    ] = "",
    json: Json = False,
) -> None:
    """Each member's composite and stars for a period under the rules in force and under
    FILE, side by side (WhatIf: nothing is adopted or emitted)."""
    period = period or periods_of(date.today())[0].id
    text = _read(file)
    reply = session_of(ctx).run(lambda v: v.scoring.what_if(period, text))
    emit_json(reply) if json else console.print(preview_view(period, reply))


@app.command()
def adopt(ctx: typer.Context, file: RulesFile, json: Json = False) -> None:
    """Adopt FILE as the school's rules from its effective_from (committee): the first day of
    a future month that no scored or closed period reaches."""
    text = _read(file)
    reply = session_of(ctx).run(lambda v: v.scoring.adopt_rules(text))
    if json:
        emit_json(reply)
        return
    rules = reply.rules
    verb = "was adopted already (nothing changed)" if reply.already_adopted else "adopted"
    console.print(f"rules {rules.version} {verb} · effective from {rules.effective_from}")
