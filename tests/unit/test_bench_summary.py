"""bench/RESULTS.md opens with its current figures: the latest recorded rate of every benchmark
and share of every ceiling, read back from the dated runs below them and written again by each
`make bench`, so the summary never says what no run measured."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.harness import Figure, Measurement, Ratio, Rig, Timing
from bench.machine import Machine
from bench.report import markdown_section, record
from bench.suite import RECORDED
from bench.summary import HEADING, with_current_figures

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "RESULTS.md"


def unused(rig: Rig) -> Timing:
    raise AssertionError("never run here")


CEILING = Measurement("raw", "Raw ceiling", "op", unused)
MINE = Measurement("mine", "My figure", "op", unused, (Ratio("raw", 0.5, "vs raw"),))
LATER = Measurement("later", "Not run yet", "op", unused)


def run_at(hour: int, *figures: Figure) -> str:
    machine = Machine(
        "cpu", 2, 1.0, "3.11", "3.40", "Linux", datetime(2026, 12, 1, hour, tzinfo=UTC)
    )
    return markdown_section(machine, figures, 1.0)


def test_the_results_file_opens_with_the_figures_its_runs_recorded() -> None:
    text = RESULTS.read_text()
    assert text.split("\n## ", 1)[1].startswith(HEADING.removeprefix("## "))
    assert with_current_figures(text, RECORDED) == text


def test_each_run_rewrites_the_summary_with_the_latest_figures(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    measurements = (CEILING, MINE, LATER)
    record(
        results,
        run_at(1, Figure(CEILING, Timing(1000, 1.0)), Figure(MINE, Timing(400, 1.0))),
        measurements,
    )
    record(
        results,
        run_at(2, Figure(CEILING, Timing(2000, 1.0)), Figure(MINE, None, "broken")),
        measurements,
    )
    summary = results.read_text().split(HEADING, 1)[1].split("\n## ", 1)[0]
    assert "| Raw ceiling | 2,000 op/s | 2026-12-01 02:00 UTC |" in summary
    # The failed run recorded no rate: the summary keeps the one before, and says when.
    assert "| My figure | 400 op/s | 2026-12-01 01:00 UTC |" in summary
    assert "| My figure | Raw ceiling — vs raw | 40% | ≥ 50% | MISSED | 2026-12-01 01:00 UTC |" in (
        summary
    )
    assert "| Not run yet | not recorded yet | |" in summary
    assert results.read_text().count(HEADING) == 1


def test_the_summary_opens_with_each_share_on_both_brokers(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    on_kafka = Measurement("raw@kafka", "Raw ceiling [Apache Kafka]", "op", unused)
    mine_on_kafka = Measurement(
        "mine@kafka", "My figure [Apache Kafka]", "op", unused, (Ratio("raw@kafka", 0.5),)
    )
    figures = [
        Figure(CEILING, Timing(1000, 1.0)),
        Figure(MINE, Timing(600, 1.0)),
        Figure(on_kafka, Timing(500, 1.0)),
        Figure(mine_on_kafka, Timing(100, 1.0)),
    ]
    record(results, run_at(1, *figures), (CEILING, MINE, on_kafka, mine_on_kafka))
    opening = results.read_text().split(HEADING, 1)[1].split("| figure | rate |", 1)[0]
    assert "| My figure (of Raw ceiling) | 60% | 20% | ≥ 50% |" in opening
