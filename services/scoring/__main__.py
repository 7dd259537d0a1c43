"""`python -m scoring`: create the topics, then run the faust worker, which also serves gRPC
(SERVING once its tables have recovered) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging

from faust.worker import Worker

from scoring.bootstrap import prepare_topics


def main() -> None:
    from scoring.stream import agents, broker_watch, server  # noqa: F401  (registers them)
    from scoring.stream.app import app, config, settings

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    broker_watch.expect(prepare_topics(settings, config))
    Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
