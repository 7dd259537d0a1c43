"""`Vanguard`: one object holding a channel to each service and a client of each API."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

import grpc

from contracts.endpoints import SuiteSettings
from kernel.grpc.client import channel
from vanguard_sdk.archives import ArchivesClient
from vanguard_sdk.calls import Caller, CallPolicy
from vanguard_sdk.pledges import PledgesClient
from vanguard_sdk.scoring import ScoringClient
from vanguard_sdk.tokens import StaticToken, TokenSource, claims_of


@dataclass(frozen=True)
class Endpoints:
    archives: str = "127.0.0.1:50051"
    pledges: str = "127.0.0.1:50052"
    scoring: str = "127.0.0.1:50053"

    @classmethod
    def from_settings(cls, settings: SuiteSettings, host: str | None = None) -> Endpoints:
        """Where a suite configured by `settings` (the VANGUARD_* variables) listens."""
        host = host or settings.bind_host
        return cls(
            archives=f"{host}:{settings.archives_port}",
            pledges=f"{host}:{settings.pledges_port}",
            scoring=f"{host}:{settings.scoring_port}",
        )


@dataclass(frozen=True)
class _Channels:
    archives: grpc.aio.Channel
    pledges: grpc.aio.Channel
    scoring: grpc.aio.Channel

    @classmethod
    def open(cls, endpoints: Endpoints) -> _Channels:
        return cls(
            channel(endpoints.archives), channel(endpoints.pledges), channel(endpoints.scoring)
        )

    async def close(self) -> None:
        for each in (self.archives, self.pledges, self.scoring):
            await each.close(grace=None)


class Vanguard:
    """Clients of the three APIs acting as one caller in one school.

    The school is `school_id`, else the `school` claim of the token. `acting_as` gives a
    client for another caller over the same channels (a loader acting as many people opens
    three connections, not three per person). Create it inside a running event loop."""

    def __init__(
        self,
        endpoints: Endpoints | None = None,
        *,
        token: str | TokenSource | None = None,
        school_id: str | None = None,
        policy: CallPolicy | None = None,
        _channels: _Channels | None = None,
    ) -> None:
        self.endpoints = endpoints or Endpoints()
        self.tokens: TokenSource = (
            token if token is not None and not isinstance(token, str) else StaticToken(token)
        )
        self.policy = policy or CallPolicy()
        self.school_id = school_id or _school_of(self.tokens)
        self._owns_channels = _channels is None
        self._channels = _channels or _Channels.open(self.endpoints)
        caller = Caller(self.tokens, self.policy)
        self.archives = ArchivesClient(self._channels.archives, caller, self.school_id)
        self.pledges = PledgesClient(self._channels.pledges, caller, self.school_id)
        self.scoring = ScoringClient(self._channels.scoring, caller, self.school_id)

    def acting_as(self, token: str | TokenSource | None, school_id: str | None = None) -> Vanguard:
        return Vanguard(
            self.endpoints,
            token=token,
            school_id=school_id or self.school_id,
            policy=self.policy,
            _channels=self._channels,
        )

    async def close(self) -> None:
        if self._owns_channels:
            await self._channels.close()

    async def __aenter__(self) -> Vanguard:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def _school_of(tokens: TokenSource) -> str:
    token = tokens.token()
    school = claims_of(token).get("school") if token else None
    return school if isinstance(school, str) else ""
