"""Loads the demo school through the gRPC APIs (never the stores), concurrently within a
phase, with a progress bar. Every command carries the key of its demo item, so a second run
is answered `replayed` throughout and writes nothing; the loader counts and says so.

The calendar is recovered from a loaded demo (its first record's month), so a rerun in a later
month sends the same requests as the first run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import grpc
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vanguard_cli.demo.actors import COMMITTEE_ACTOR
from vanguard_cli.demo.calendar import Calendar
from vanguard_cli.demo.people import SCHOOL_NAME
from vanguard_cli.demo.plan import count, plan
from vanguard_cli.demo.steps import Actor, Chain, Saved, Step
from vanguard_cli.output import console, fail, showing
from vanguard_cli.session import Session, exit_code, failure
from vanguard_sdk import DevTokens, Vanguard, VanguardError

IN_FLIGHT = 16  # commands at once: enough to hide round trips, few enough for 2 cores
STEP_TIMEOUT_S = 30.0
PHASES = ("school, branches, model posts", "30 members", "records · pledges · assessments",
          "closing two months")  # fmt: skip


class DemoInterrupted(Exception):
    """Ctrl-C while loading: the steps done stay done; a rerun completes the rest."""


class DemoStepFailed(Exception):
    def __init__(self, step: Step, error: VanguardError) -> None:
        self.step, self.error = step, error
        who = f"{step.actor.role.value} {step.actor.subject}"
        super().__init__(f"demo step {step.key} ({step.method} as {who}) failed: {error}")


@dataclass
class Tally:
    total: int
    written: int = 0
    replayed: int = 0
    started: float = field(default_factory=time.monotonic)


class Loader:
    def __init__(
        self,
        vanguard: Vanguard,
        secret: str,
        advance: Callable[[bool], None],
        should_stop: Callable[[], bool],
    ) -> None:
        self.vanguard = vanguard
        self.secret = secret
        self.advance = advance
        self.should_stop = should_stop
        self.gate = asyncio.Semaphore(IN_FLIGHT)
        self._as: dict[Actor, Vanguard] = {}

    def _acting(self, actor: Actor) -> Vanguard:
        if actor not in self._as:
            tokens = DevTokens(
                self.secret,
                actor.role,
                self.vanguard.school_id,
                subject=actor.subject,
                branch=actor.branch,
            )
            self._as[actor] = self.vanguard.acting_as(tokens)
        return self._as[actor]

    async def chain(self, steps: Chain) -> None:
        saved: dict[str, str] = {}
        for step in steps:
            if self.should_stop():
                raise DemoInterrupted
            async with self.gate:
                reply = await self.send(step, saved)
            if step.saves:
                saved[step.saves] = reply.id
            self.advance(reply.replayed)

    async def send(self, step: Step, saved: Saved) -> Any:
        request = step.build(saved)
        keyed = type(request)()
        keyed.CopyFrom(request)
        keyed.options.idempotency_key = step.key
        keyed.options.wait_visible = step.visible
        client = getattr(self._acting(step.actor), step.service)
        try:
            return await getattr(client, step.method)(keyed, timeout=STEP_TIMEOUT_S)
        except VanguardError as error:
            raise DemoStepFailed(step, error) from None


async def calendar_of(vanguard: Vanguard) -> Calendar:
    """The calendar of a demo loaded earlier (from m01's first record), else this month's."""
    try:
        archive = await vanguard.archives.get_archive("m01")
    except VanguardError as error:
        if error.code is not grpc.StatusCode.NOT_FOUND:
            raise
        return Calendar.of(date.today())
    for record in archive.records:
        if record.record_id == "m01-r1":
            return Calendar.after_closed(date.fromisoformat(record.occurred_on))
    return Calendar.of(date.today())


async def _load(session: Session, should_stop: Callable[[], bool]) -> tuple[Tally, Calendar]:
    async with session.vanguard() as vanguard:
        committee = vanguard.acting_as(
            DevTokens(
                session.settings.token_secret.get_secret_value(),
                COMMITTEE_ACTOR.role,
                session.school,
                subject=COMMITTEE_ACTOR.subject,
            )
        )
        calendar = await calendar_of(committee)
        phases = plan(calendar)
        tally = Tally(count(phases))
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        # No redirection of sys.stdout/stderr: under `vanguard up` other threads write to
        # the terminal meanwhile, and swapping sys.stdout under a thread's print() crashed
        # CPython 3.11 (python/cpython#130163). They write through `output.line` instead.
        bar = Progress(
            *columns,
            console=console,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with showing(bar) as progress:
            task = progress.add_task("demo school", total=tally.total)

            def advance(replayed: bool) -> None:
                tally.replayed += replayed
                tally.written += not replayed
                progress.advance(task)

            loader = Loader(
                vanguard, session.settings.token_secret.get_secret_value(), advance, should_stop
            )
            for name, phase in zip(PHASES, phases, strict=True):
                progress.update(task, description=f"demo: {name:<31}")
                await asyncio.gather(*(loader.chain(chain) for chain in phase))
        return tally, calendar


def load_demo(session: Session, should_stop: Callable[[], bool] = lambda: False) -> Tally | None:
    """Load (or confirm) the demo school and say what happened; None when interrupted."""
    try:
        tally, calendar = asyncio.run(_load(session, should_stop))
    except (DemoInterrupted, KeyboardInterrupt):
        # what was sent stays; a rerun replays it and sends the rest
        console.print("demo loading interrupted; run `vanguard demo` to complete it")
        return None
    except DemoStepFailed as failed:
        raise fail(str(failed), exit_code(failed.error.code)) from None
    except VanguardError as error:
        raise failure(error) from None
    seconds = time.monotonic() - tally.started
    months = " and ".join(m.id for m in calendar.closed)
    if tally.written == 0:
        console.print(
            f"The demo school was already loaded: all {tally.total} commands were answered "
            f"from their idempotency keys; nothing changed ({seconds:.1f} s)."
        )
    else:
        console.print(
            f"Loaded the demo school {SCHOOL_NAME} (school {session.school}): "
            f"{tally.written} commands written, {tally.replayed} already there, in "
            f"{seconds:.1f} s. Months {months} are closed; pledges run in "
            f"{calendar.pledge_period.id}."
        )
    return tally
