"""Vanguard's Python SDK: typed asyncio clients of the archives, pledges and scoring APIs.

    async with Vanguard(token=token) as vanguard:
        archive = await vanguard.archives.get_archive("m01")

Calls carry the bearer token and a deadline; commands get an idempotency key (the caller's,
or a fresh one) that every retry on UNAVAILABLE repeats, so a retried command is applied once;
a failed call raises `VanguardError` with the status code and the field at fault.
"""

from vanguard_sdk.archives import ArchivesClient
from vanguard_sdk.calls import CallPolicy, RetryPolicy
from vanguard_sdk.client import Endpoints, Vanguard
from vanguard_sdk.errors import VanguardError
from vanguard_sdk.pledges import PledgesClient
from vanguard_sdk.scoring import ScoringClient
from vanguard_sdk.tokens import DevTokens, StaticToken, TokenSource

__all__ = [
    "ArchivesClient",
    "CallPolicy",
    "DevTokens",
    "Endpoints",
    "PledgesClient",
    "RetryPolicy",
    "ScoringClient",
    "StaticToken",
    "TokenSource",
    "Vanguard",
    "VanguardError",
]
