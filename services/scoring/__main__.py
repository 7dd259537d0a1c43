"""`python -m scoring`: create the topics, then run the faust worker, which also serves gRPC
(SERVING once its tables have recovered) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging

from faust.worker import Worker

from contracts.endpoints import SuiteSettings
from kernel.logs import configure_logging
from scoring.bootstrap import build, prepare_topics, recover_rules
from scoring.config import ScoringConfig


def main() -> None:
    worker = build(SuiteSettings(), ScoringConfig())
    app, config, settings = worker.app, worker.config, worker.settings

    configure_logging(settings.log_level)
    # The broker watch opens an admin client every `broker_check_s`: kafka-python's INFO, a
    # dozen lines per connection, would bury scoring's own records.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    worker.broker_watch.expect(prepare_topics(settings, config))
    recover_rules(worker)  # the adopted rules are in force before the first input is replayed
    # The logging just configured stays (override_logging=False): faust's own would set the
    # root logger to its `loglevel` and drop scoring's records below it (its readiness, its
    # gRPC calls) from scoring's log file, in a format of its own.
    Worker(app, quiet=True, override_logging=False).execute_from_commandline()


if __name__ == "__main__":
    main()
