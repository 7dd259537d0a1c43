"""`python -m scoring`: run the scoring service until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging

from scoring.bootstrap import build, registrations
from kernel.settings import Settings


def main() -> None:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    asyncio.run(build(settings).run(registrations))


if __name__ == "__main__":
    main()
