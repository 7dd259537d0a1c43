"""`python -m scoring`: create the topics, then run the faust worker, which also serves gRPC
(SERVING once its tables have recovered) until SIGTERM or Ctrl-C."""

from __future__ import annotations

from faust.worker import Worker

from contracts.endpoints import SuiteSettings
from kernel.logs import configure_logging
from scoring.bootstrap import build, prepare_topics
from scoring.config import ScoringConfig


def main() -> None:
    worker = build(SuiteSettings(), ScoringConfig())
    app, config, settings = worker.app, worker.config, worker.settings

    configure_logging(settings.log_level)
    worker.broker_watch.expect(prepare_topics(settings, config))
    Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
