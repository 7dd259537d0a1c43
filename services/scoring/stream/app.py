"""The faust app, configured from the kernel Settings and ScoringConfig (read once, from the
environment), with short fetches (scoring.stream.faust_setup). The input topics are replayed
from their beginning at every start (scoring.stream.replay)."""

from __future__ import annotations

import faust

from kernel.settings import Settings
from scoring.config import ScoringConfig
from scoring.stream import replay
from scoring.stream.faust_setup import app_options, short_fetches

settings = Settings()
config = ScoringConfig()

short_fetches(settings.fetch_max_wait_ms)
replay.install(config.input_topics)

app = faust.App(
    config.app_id,
    datadir=str(settings.service_dir("scoring") / "faust"),
    **app_options(settings),
)
