"""The `vanguard` command: global connection options, then one command per task."""

from __future__ import annotations

from typing import Annotated

import typer

from contracts.endpoints import SuiteSettings
from kernel.envelope import Role
from vanguard_cli import logs, operating, publications, reading, rules, watching
from vanguard_cli.session import Session

app = typer.Typer(
    name="vanguard",
    help="Vanguard: pledges, performance archives and three-tier evaluations of a school's "
    "Party members. Connection settings come from the VANGUARD_* variables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def connect(
    ctx: typer.Context,
    school: Annotated[str, typer.Option(envvar="VANGUARD_SCHOOL", help="School id.")] = "demo",
    host: Annotated[
        str, typer.Option(help="Where the services listen (default: VANGUARD_BIND_HOST).")
    ] = "",
    token: Annotated[
        str, typer.Option(envvar="VANGUARD_TOKEN", help="Bearer token (default: a dev token).")
    ] = "",
    role: Annotated[Role, typer.Option(help="Role of the dev token.")] = Role.COMMITTEE,
    subject: Annotated[str, typer.Option(help="Subject of the dev token.")] = "cli",
    branch: Annotated[str, typer.Option("--as-branch", help="Branch of the dev token.")] = "",
    timeout: Annotated[float, typer.Option(help="Deadline of each call, seconds.")] = 10.0,
) -> None:
    ctx.obj = Session(
        settings=SuiteSettings(),
        school=school,
        host=host or None,
        token=token or None,
        role=role,
        subject=subject,
        branch=branch or None,
        timeout_s=timeout,
    )


app.command()(operating.up)
app.command()(operating.demo)
app.command()(reading.archive)
app.command()(reading.pledges)
app.command()(reading.board)
app.command()(reading.evaluation)
app.command()(reading.branch)
app.command("close-period")(operating.close_period)
app.command()(watching.watch)
app.command()(operating.token)
app.command()(reading.status)
app.command()(logs.logs)
app.add_typer(publications.app, name="publication")
app.add_typer(rules.app, name="rules")
