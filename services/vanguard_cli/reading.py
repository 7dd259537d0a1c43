"""Read commands: archive, pledges, board, evaluation, branch, status. Each prints tables, or
JSON with `--json`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from contracts.periods import periods_of
from vanguard.common.v1 import status_pb2
from vanguard_cli.archive_view import archive_view
from vanguard_cli.output import as_dict, console, emit_json
from vanguard_cli.session import session_of
from vanguard_cli.tables import (
    board_view,
    evaluation_view,
    explanation_view,
    pledges_view,
    summary_view,
)
from vanguard_sdk import Vanguard

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
Period = Annotated[
    str, typer.Option(help="YYYY-MM, YYYY-Qn or AYyyyy (default: the current month).")
]


def archive(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="Member id, e.g. m01.")],
    as_of: Annotated[
        str, typer.Option("--as-of", help="RFC 3339 time: the archive exactly as it stood then.")
    ] = "",
    json: Json = False,
) -> None:
    """A member's performance archive (业绩档案): records, posts, pledges, evaluations."""
    found = session_of(ctx).run(lambda v: v.archives.get_archive(member, as_of or None))
    emit_json(found) if json else console.print(archive_view(found))


def pledges(
    ctx: typer.Context,
    branch: Annotated[str, typer.Option(help="Only this branch.")] = "",
    member: Annotated[str, typer.Option(help="Only this member.")] = "",
    json: Json = False,
) -> None:
    """Pledges (承诺践诺) with their status, PDCA stage, progress and supervision."""

    async def work(v: Vanguard) -> list[Any]:
        return [p async for p in v.pledges.pledges(branch_id=branch, member_id=member)]

    found = session_of(ctx).run(work)
    emit_json(found) if json else console.print(pledges_view(found))


def board(
    ctx: typer.Context,
    branch: Annotated[str, typer.Option(help="Only this branch.")] = "",
    lead: Annotated[str, typer.Option(help="study, work, discipline or devotion.")] = "",
    json: Json = False,
) -> None:
    """The public pledge board (公示), as anyone sees it: no token is sent."""

    async def work(v: Vanguard) -> list[Any]:
        reply = await v.acting_as(None).pledges.public_board(branch_id=branch, lead=lead)
        return list(reply.pledges)

    found = session_of(ctx).run(work)
    emit_json(found) if json else console.print(board_view(found))


def evaluation(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="Member id, e.g. m01.")],
    period: Period = "",
    explain: Annotated[
        bool, typer.Option("--explain", help="Every contributing event and the rule applied.")
    ] = False,
    json: Json = False,
) -> None:
    """A member's three-tier evaluation (三级考评) for a period, optionally explained."""
    period = period or periods_of(date.today())[0].id
    if explain:
        found = session_of(ctx).run(lambda v: v.scoring.explain(member, period))
        emit_json(found) if json else console.print(explanation_view(found))
    else:
        got = session_of(ctx).run(lambda v: v.scoring.get_evaluation(member, period))
        emit_json(got) if json else console.print(evaluation_view(got))


def branch(
    ctx: typer.Context,
    branch_id: Annotated[str, typer.Argument(metavar="BRANCH", help="Branch id, e.g. chinese.")],
    period: Annotated[str, typer.Option(help="Restrict points to a period.")] = "",
    json: Json = False,
) -> None:
    """A branch summary (党支部): counts, points, bands (never ranks) and its members."""

    async def work(v: Vanguard) -> tuple[Any, list[Any]]:
        summary = await v.archives.branch_summary(branch_id, period)
        return summary, [m async for m in v.archives.members(branch_id)]

    summary, members = session_of(ctx).run(work)
    if json:
        emit_json({"summary": as_dict(summary), "members": [as_dict(m) for m in members]})
    else:
        console.print(summary_view(summary, members))


def status(ctx: typer.Context, json: Json = False) -> None:
    """How far each service has got: store head, relay, and each projection (applied, lag,
    messages set aside on the dead-letter topic)."""

    async def work(v: Vanguard) -> list[Any]:
        return [
            await v.archives.get_status(),
            await v.pledges.get_status(),
            await v.scoring.get_status(),
        ]

    found = session_of(ctx).run(work)
    if json:
        emit_json(found)
        return
    for s in found:
        console.print(
            f"{s.service:<9} head {s.head_position:>6}  published {s.published_position:>6}"
        )
        for p in s.projections:
            console.print(
                f"{'':<9} {p.name}: {p.applied_events} applied, lag {projection_lag(p)},"
                f" dead letters {p.dead_lettered}"
            )


def projection_lag(projection: status_pb2.ProjectionStatus) -> int:
    """Records on the partitions the projection holds that it has not read yet (as of its last
    poll; partitions not fetched yet count nothing)."""
    return sum(
        max(0, p.highwater - p.position)
        for p in projection.partitions
        if p.highwater >= 0 and p.position >= 0
    )
