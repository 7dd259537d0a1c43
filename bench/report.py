"""Figures as console lines and as a Markdown section of bench/RESULTS.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.harness import Figure, Measurement, Ratio, Timing
from bench.machine import Machine
from bench.summary import with_current_figures

RESULTS_HEADER = """# Benchmark results

## Reading the figures

`make bench` (`python -m bench`) appends one section per run, newest last. Rates are
operations per second on the machine named in each section. Raw ceilings measure what this
machine does without the kernel (bare SQLite inserts, kafka-python, grpc.aio); each kernel
figure is shown as its share of the ceilings it is built on, with the share it should reach.
"""


@dataclass(frozen=True)
class Comparison:
    figure: Figure
    ceiling: Figure | None  # None: the ceiling was not measured in this run
    ratio: Ratio

    @property
    def share(self) -> float | None:
        mine, theirs = self.figure.timing, self.ceiling.timing if self.ceiling else None
        return mine.rate / theirs.rate if mine and theirs else None

    @property
    def verdict(self) -> str:
        if self.share is None:
            return "not measured"
        if self.ratio.target is None:
            return ""
        return "met" if self.share >= self.ratio.target else "MISSED"


def compare(figures: Sequence[Figure]) -> list[Comparison]:
    by_name = {figure.measurement.name: figure for figure in figures}
    return [
        Comparison(figure, by_name.get(ratio.ceiling), ratio)
        for figure in figures
        for ratio in figure.measurement.ratios
    ]


def rate(timing: Timing, unit: str) -> str:
    return f"{timing.rate:,.0f} {unit}/s"


def console_line(figure: Figure) -> str:
    title = figure.measurement.title
    if figure.timing is None:
        return f"  {title:<58} FAILED: {figure.error}"
    timing = figure.timing
    spent = f"({timing.count:,} in {timing.seconds:.2f} s)"
    return f"  {title:<58} {rate(timing, figure.measurement.unit):>18}  {spent}"


def console_comparison(comparison: Comparison) -> str:
    target = _target(comparison.ratio)
    return (
        f"  {comparison.figure.measurement.title}: {_share(comparison)} of "
        f"{_ceiling(comparison)}"
        + (f" (target {target})" if target else "")
        + f" {comparison.verdict}"
    ).rstrip()


def markdown_section(machine: Machine, figures: Sequence[Figure], scale: float) -> str:
    lines = [f"## {machine.date:%Y-%m-%d %H:%M} UTC", "", f"Machine: {machine.describe()}", ""]
    if scale != 1:
        lines += [f"Scale {scale:g}: every loop shortened, figures are rough.", ""]
    lines += ["| figure | operations | seconds | rate |", "|---|--:|--:|--:|"]
    lines += [_figure_row(figure) for figure in figures]
    comparisons = compare(figures)
    if comparisons:
        lines += [
            "",
            "| kernel figure | compared with | share | target | |",
            "|---|---|--:|--:|---|",
        ]
        lines += [_comparison_row(comparison) for comparison in comparisons]
    return "\n".join(lines) + "\n"


def record(path: Path, section: str, measurements: Sequence[Measurement]) -> None:
    """Append `section` to the results file (created with its header if need be) and write
    its "Current figures" block again, for `measurements`."""
    text = path.read_text() if path.exists() else RESULTS_HEADER
    path.write_text(with_current_figures(text.rstrip("\n") + "\n\n" + section, measurements))


def _figure_row(figure: Figure) -> str:
    title = figure.measurement.title
    if figure.timing is None:
        return f"| {title} | failed: {figure.error} | | |"
    timing = figure.timing
    return (
        f"| {title} | {timing.count:,} | {timing.seconds:.2f} | "
        f"{rate(timing, figure.measurement.unit)} |"
    )


def _comparison_row(comparison: Comparison) -> str:
    note = f" — {comparison.ratio.note}" if comparison.ratio.note else ""
    return (
        f"| {comparison.figure.measurement.title} | {_ceiling(comparison)}{note} | "
        f"{_share(comparison)} | {_target(comparison.ratio)} | {comparison.verdict} |"
    )


def _ceiling(comparison: Comparison) -> str:
    ceiling = comparison.ceiling
    return ceiling.measurement.title if ceiling else comparison.ratio.ceiling


def _share(comparison: Comparison) -> str:
    return "–" if comparison.share is None else f"{comparison.share:.0%}"


def _target(ratio: Ratio) -> str:
    return "" if ratio.target is None else f"≥ {ratio.target:.0%}"
