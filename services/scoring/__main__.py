"""`python -m scoring`: create the topics, then run the faust worker, which also serves gRPC
(SERVING once its tables have recovered) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging

from faust.worker import Worker

from kernel.topics import ensure_topics
from scoring.bootstrap import topics_to_create


def main() -> None:
    from scoring.stream import agents, server  # noqa: F401  (registers agents and the task)
    from scoring.stream.app import app, config, settings

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    ensure_topics(
        settings.kafka_servers,
        topics_to_create(config),
        partitions=settings.partitions,
        replication_factor=settings.replication_factor,
    )
    Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
