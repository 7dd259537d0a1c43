"""What every command connects with: the VANGUARD_* settings plus the global options, a
token (given, or a development token signed with the deployment's secret), and one asyncio
run per command that turns a refused call into a one-line error and an exit code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc
import typer

from contracts.endpoints import SuiteSettings
from kernel.envelope import Role
from vanguard_cli.output import fail
from vanguard_sdk import CallPolicy, DevTokens, Endpoints, StaticToken, Vanguard, VanguardError
from vanguard_sdk.tokens import TokenSource

T = TypeVar("T")


@dataclass(frozen=True)
class Session:
    settings: SuiteSettings
    school: str
    host: str | None
    token: str | None
    role: Role
    subject: str
    branch: str | None
    timeout_s: float

    def tokens(self) -> TokenSource:
        if self.token:
            return StaticToken(self.token)
        return DevTokens(
            self.settings.token_secret.get_secret_value(),
            self.role,
            self.school,
            subject=self.subject,
            branch=self.branch,
        )

    def endpoints(self) -> Endpoints:
        return Endpoints.from_settings(self.settings, self.host)

    def vanguard(self) -> Vanguard:
        return Vanguard(
            self.endpoints(),
            token=self.tokens(),
            school_id=self.school,
            policy=CallPolicy(timeout_s=self.timeout_s),
        )

    def run(self, work: Callable[[Vanguard], Awaitable[T]]) -> T:
        """Run `work` against the suite; a refused call exits with its status code."""

        async def main() -> T:
            async with self.vanguard() as vanguard:
                return await work(vanguard)

        try:
            return asyncio.run(main())
        except VanguardError as error:
            raise failure(error) from None


def exit_code(code: grpc.StatusCode) -> int:
    """The gRPC status number (3 INVALID_ARGUMENT, 5 NOT_FOUND, 14 UNAVAILABLE, ...); UNKNOWN
    (2) becomes 1, since 2 is a usage error."""
    number = int(code.value[0])
    return 1 if number == 2 else number


def failure(error: VanguardError) -> typer.Exit:
    hint = " (is the suite running? `vanguard up`)" if error.code is _UNAVAILABLE else ""
    return fail(error.one_line() + hint, exit_code(error.code))


def session_of(ctx: typer.Context) -> Session:
    session = ctx.find_root().obj
    assert isinstance(session, Session)
    return session


_UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
