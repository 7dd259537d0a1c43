"""Operator commands: up, demo, close-period, token."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import grpc
import typer

from kernel.envelope import Role
from kernel.supervisor import Supervisor, run
from kernel.tokens import issue_token
from vanguard.archives.v1 import archives_pb2 as pb
from vanguard.common.v1.command_pb2 import CommandOptions
from vanguard_cli.demo.loader import load_demo
from vanguard_cli.output import console, line
from vanguard_cli.session import Session, exit_code, session_of
from web.demo_accounts import read as read_demo_accounts
from web.settings import WebSettings


class BrokerChoice(StrEnum):
    tansu = "tansu"
    kafka = "kafka"


def up(
    ctx: typer.Context,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            envvar="VANGUARD_DEMO",
            help="Load the demo school once the suite is up (VANGUARD_DEMO=0 skips it).",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            envvar="VANGUARD_VERBOSE",
            help="Every process's log on the terminal as well (VANGUARD_VERBOSE=1).",
        ),
    ] = False,
    broker: Annotated[
        BrokerChoice | None,
        typer.Option(
            envvar="VANGUARD_BROKER",
            help="tansu (embedded, memory-only: the default) or kafka (Apache Kafka, KRaft; "
            "`make kafka` fetches it once).",
        ),
    ] = None,
) -> None:
    """Start the broker and every service and keep them running (a service that dies is
    restarted; logs in <data dir>/log, `vanguard logs NAME`); Ctrl-C stops them all. What
    `make run` calls."""
    session = session_of(ctx)
    settings = session.settings
    if broker is not None:
        settings = settings.model_copy(update={"broker": broker.value})

    def when_up(supervisor: Supervisor) -> None:
        if demo and load_demo_supervised(session, supervisor):
            try_next(session)
        web_pages(session)

    # The supervisor's lines through the console the demo's progress bar draws on: one
    # printed while the bar runs appears above it (kernel.up_logging).
    raise typer.Exit(run(settings, when_up, verbose, terminal=line))


DEMO_ATTEMPTS = 3


def load_demo_supervised(session: Session, supervisor: Supervisor) -> bool:
    """Load the demo while the suite runs. A service that restarts meanwhile outlasts the
    SDK's retries (UNAVAILABLE): wait until every service is SERVING again and load once
    more (the loader is idempotent). Any other failure was said in one line; the suite stays
    up either way. True when the demo is loaded."""
    for attempt in range(1, DEMO_ATTEMPTS + 1):
        try:
            return load_demo(session, should_stop=lambda: supervisor.stopping) is not None
        except typer.Exit as failed:
            unavailable = failed.exit_code == exit_code(grpc.StatusCode.UNAVAILABLE)
            if not unavailable or supervisor.stopping or attempt == DEMO_ATTEMPTS:
                break
            console.print("a service was unavailable; loading the demo again once it is back")
            if not supervisor.wait_all_serving(timeout_s=120):
                break
    console.print("the demo school is not fully loaded; `vanguard demo` completes it")
    return False


def try_next(session: Session) -> None:
    console.print(
        "\nTry next (in another terminal):\n"
        "  .venv/bin/vanguard board                      # the public pledge board\n"
        "  .venv/bin/vanguard archive m01                # a member's performance archive\n"
        "  .venv/bin/vanguard evaluation m01 --explain   # a three-tier evaluation, event by event",
        highlight=False,
    )


def web_pages(session: Session) -> None:
    """Where the web app's pages are, and the demo school's sign-in accounts (seeded by the
    web app on its first start: web.demo_accounts)."""
    settings = WebSettings()
    accounts = read_demo_accounts(settings.data_dir / "web")
    console.print(
        f"\nWeb app: http://{settings.bind_host}:{settings.web_port}/  (承诺公示栏, no sign-in)",
        highlight=False,
    )
    for account in accounts:
        console.print(
            f"  sign in as {account.username:<10} password {account.password}  # {account.who}",
            highlight=False,
        )


def demo(ctx: typer.Context) -> None:
    """Load the demo school through the gRPC APIs; safe to run again (nothing changes)."""
    if load_demo(session_of(ctx)) is None:
        raise typer.Exit(130)  # interrupted, as a shell reports Ctrl-C


def close_period(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="YYYY-MM, YYYY-Qn or AYyyyy.")],
    key: Annotated[str, typer.Option(help="Idempotency key: repeating it changes nothing.")] = "",
) -> None:
    """Close a period (committee): freezes its evaluations and awards stars."""
    options = CommandOptions(idempotency_key=key, wait_visible=True)
    request = pb.ClosePeriodRequest(period=period, options=options)
    reply = session_of(ctx).run(lambda v: v.archives.close_period(request))
    verb = "was already closed by this key (nothing changed)" if reply.replayed else "closed"
    console.print(f"{period} {verb} · {reply.stream_id} v{reply.stream_version}")


def token(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option(help="Who the token speaks for.")] = Role.COMMITTEE,
    subject: Annotated[str, typer.Option(help="Member id or user name.")] = "dev",
    branch: Annotated[str, typer.Option(help="A secretary's branch.")] = "",
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds (default: settings).")] = 0,
) -> None:
    """Print a signed development bearer token (VANGUARD_TOKEN_SECRET)."""
    session = session_of(ctx)
    typer.echo(
        issue_token(
            session.settings.token_secret.get_secret_value(),
            subject=subject,
            role=role,
            school=session.school,
            branch=branch or None,
            ttl_s=ttl or session.settings.token_ttl_seconds,
        )
    )
