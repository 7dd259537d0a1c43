"""How a service process starts: logging in one format, then the service's runtime until
SIGTERM or Ctrl-C (`python -m archives`, `python -m pledges`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

from kernel.grpc.server import ServiceRegistration
from kernel.logs import configure_logging
from kernel.runtime import ServiceRuntime
from kernel.settings import Settings

S = TypeVar("S", bound=Settings)


def serve(
    build: Callable[[S], ServiceRuntime],
    registrations: Callable[[ServiceRuntime], Sequence[ServiceRegistration]],
    settings: S,
) -> None:
    """Run the service `build` makes from `settings`, with the gRPC services `registrations`
    names."""
    configure_logging(settings.log_level)
    asyncio.run(build(settings).run(registrations))
