"""`python -m pledges`: run the pledges service until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging

from kernel.settings import Settings
from pledges.bootstrap import build, registrations


def main() -> None:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    asyncio.run(build(settings).run(registrations))


if __name__ == "__main__":
    main()
