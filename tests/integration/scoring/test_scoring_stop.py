"""Scoring stops on SIGTERM even when its broker is gone (a broker that died, a suite whose
broker went first): it used to wait for its consumer thread for ever, until killed."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from broker_matrix import new_broker
from scoring_kit import ScoringProcess, prepare_topics

STOP_S = 10.0


def test_sigterm_stops_scoring_when_its_broker_is_gone(tmp_path: Path) -> None:
    with new_broker() as broker:
        prepare_topics(broker.bootstrap_servers)
        worker = ScoringProcess(
            broker.bootstrap_servers, f"scoring-{uuid.uuid4().hex[:6]}", tmp_path / "w.log"
        ).start()
        try:
            broker.kill()
            time.sleep(1.0)  # its consumer now fails every fetch and backs off between them
            assert worker.process is not None
            started = time.monotonic()
            worker.process.terminate()
            worker.process.wait(timeout=STOP_S)
            assert time.monotonic() - started < STOP_S
        finally:
            worker.stop()
