"""A demo command as data: which API method, as whom, under which idempotency key, with a
request built from what earlier steps of its chain answered (a pledge's id, say)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kernel.envelope import Role

Saved = Mapping[str, str]  # name -> the id an earlier step's reply carried


@dataclass(frozen=True)
class Actor:
    role: Role
    subject: str
    branch: str | None = None


@dataclass(frozen=True)
class Step:
    service: str  # "archives" or "pledges"
    method: str  # the SDK method, e.g. "record_performance"
    actor: Actor
    key: str  # idempotency key: derived from the demo item, the same on every run
    build: Callable[[Saved], Any]  # the request, without options
    saves: str = ""  # remember the reply's id under this name
    visible: bool = False  # wait until the service's read model shows it


Chain = list[Step]  # steps in order; chains of one phase run concurrently
Phase = list[Chain]


def fixed(request: Any) -> Callable[[Saved], Any]:
    """A request that needs nothing from earlier steps."""
    return lambda _: request
