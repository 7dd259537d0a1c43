"""`vanguard publication show|notice|verify PERIOD`: a period's publication as the committee
reads it, the 公示 as anyone reads it (no token sent), and the inspector's check of its
digests against the log itself."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from kafka.errors import KafkaError

from contracts.topics import EVALUATIONS
from kernel.topic_reader import TopicNotRead, envelopes_on
from vanguard_cli.output import console, emit_json, fail
from vanguard_cli.publication_views import check_lines, notice_view, publication_view
from vanguard_cli.session import session_of
from vanguard_cli.verifying import check, documents_of

app = typer.Typer(
    help="Publications (月度公示 / 季度通报 / 年度表彰): show, the public notice, verify.",
    no_args_is_help=True,
)

PeriodArg = Annotated[str, typer.Argument(metavar="PERIOD", help="YYYY-MM, YYYY-Qn or AYyyyy.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
NOT_FOUND = 5  # as a NOT_FOUND status exits


@app.command()
def show(ctx: typer.Context, period: PeriodArg, json: Json = False) -> None:
    """The whole publication and its versions (committee).

    Entries in their standings, commendations, follow-ups with reasons, digests, the count of
    source events, and every version: the issued one, then each amendment."""
    found = session_of(ctx).run(lambda v: v.archives.get_publication(period))
    emit_json(found) if json else console.print(publication_view(found))


@app.command()
def notice(ctx: typer.Context, period: PeriodArg, json: Json = False) -> None:
    """The 公示 of a closed month as anyone sees it: no token is sent."""
    found = session_of(ctx).run(lambda v: v.acting_as(None).archives.public_notice(period))
    emit_json(found) if json else console.print(notice_view(found))


@app.command()
def verify(
    ctx: typer.Context,
    period: PeriodArg,
    topic: Annotated[str, typer.Option(help="The topic scoring publishes on.")] = EVALUATIONS,
    servers: Annotated[
        str, typer.Option(help="Kafka bootstrap servers (default: the suite's broker).")
    ] = "",
    json: Json = False,
) -> None:
    """Recompute the publication's digests from the log: exit 1 on a mismatch.

    Reads the topic itself (not a service's copy), recomputes the digest of every version of
    the period's publication and checks each amendment's link to the version it amends."""
    session = session_of(ctx)
    try:
        envelopes = envelopes_on(servers or session.settings.kafka_servers, topic)
    except (TopicNotRead, KafkaError, OSError) as error:
        raise fail(f"could not read {topic}: {error}", 14) from None
    checks = check(documents_of(envelopes, session.school, period))
    if not checks:
        raise fail(f"no publication of {period} for school {session.school} on {topic}", NOT_FOUND)
    if json:
        emit_json([{**asdict(c), "matches": c.matches} for c in checks])
    else:
        for line in check_lines(checks):
            typer.echo(line)
    if not all(c.matches for c in checks):
        raise typer.Exit(1)
