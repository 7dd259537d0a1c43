"""`vanguard watch`: a member's or a branch's archive changing, as it happens."""

from __future__ import annotations

import contextlib
import json as json_text
from typing import Annotated

import grpc
import typer

from vanguard.archives.v1 import archives_pb2 as pb
from vanguard_cli.labels import points
from vanguard_cli.output import as_dict, console
from vanguard_cli.session import session_of
from vanguard_sdk import Vanguard, VanguardError


async def _is_member(vanguard: Vanguard, target: str) -> bool:
    try:
        await vanguard.archives.get_member(target)
        return True
    except VanguardError as error:
        if error.code is grpc.StatusCode.NOT_FOUND:
            return False  # not a member: the server checks it is a branch
        raise


def _line(change: pb.ArchiveChange) -> str:
    member = change.archive.member
    return (
        f"{change.recorded_at}  {member.name} ({change.member_id})  {change.event_type}"
        f"  · 核实积分 {points(change.archive.verified_points)}"
        f" · {change.archive.events} events"
    )


def watch(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="MEMBER|BRANCH", help="m01, or chinese.")],
    count: Annotated[int, typer.Option(help="Stop after this many changes (0: never).")] = 0,
    json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Live updates of a member's archive, or of every archive in a branch. Ctrl-C stops; a
    restart of archives is waited out (up to a minute) and nothing is missed meanwhile."""

    async def work(vanguard: Vanguard) -> None:
        member = await _is_member(vanguard, target)
        member_id, branch_id = (target, "") if member else ("", target)
        if not json:
            kind = "member" if member else "branch"
            console.print(f"watching {kind} {target} — Ctrl-C stops", style="dim")
        seen = 0

        def reconnecting(error: VanguardError) -> None:
            typer.echo(f"archives unreachable ({error.code.name}); reconnecting…", err=True)

        changes = vanguard.archives.watch(
            member_id=member_id, branch_id=branch_id, on_reconnect=reconnecting
        )
        async for change in changes:
            if json:
                emit_json_line(change)
            else:
                console.print(_line(change))
            seen += 1
            if count and seen >= count:
                return

    with contextlib.suppress(KeyboardInterrupt):
        session_of(ctx).run(work)


def emit_json_line(change: pb.ArchiveChange) -> None:
    typer.echo(json_text.dumps(as_dict(change), ensure_ascii=False))
