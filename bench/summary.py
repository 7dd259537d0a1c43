"""The "Current figures" block that opens bench/RESULTS.md: the latest recorded rate of every
benchmark the suite runs, and the latest share of every ceiling a kernel figure is compared
with, each naming the run it comes from. Read back from the dated sections below it (nothing
is measured here), and written again whenever `make bench` appends a section."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bench.harness import Measurement

HEADING = "## Current figures"
RUN = re.compile(r"^## ([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC)$", re.MULTILINE)
FIGURE_CELLS, COMPARISON_CELLS = 4, 5  # the two tables of a section (bench.report)
INTRO = (
    "The latest recorded rate of every benchmark `make bench` runs, and the latest share of\n"
    "every ceiling a kernel figure is compared with, taken from the dated runs below (`make\n"
    "bench` writes this block again when it appends a run). Compare the shares, each taken\n"
    'within its own run, never rates across runs (see "Reading the figures").'
)


@dataclass(frozen=True)
class Row:
    """A table row of one dated run: its cells as written."""

    run: str
    cells: tuple[str, ...]


def rows(text: str) -> Iterator[Row]:
    """Every row of every table in the dated runs of `text`, oldest run first."""
    marks = list(RUN.finditer(text))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end() : following.start() if following else len(text)]
        for line in body.splitlines():
            if line.startswith("|") and not line.startswith("|---"):
                cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
                if cells[0] not in ("figure", "kernel figure"):
                    yield Row(mark[1], cells)


def latest_rates(text: str) -> dict[str, Row]:
    """Per figure title, the latest row that recorded a rate (a failed run records none)."""
    found: dict[str, Row] = {}
    for row in rows(text):
        if len(row.cells) == FIGURE_CELLS and row.cells[3]:
            found[row.cells[0]] = row
    return found


def latest_shares(text: str) -> dict[tuple[str, str], Row]:
    """Per (kernel figure, ceiling title), the latest row that recorded a share."""
    found: dict[tuple[str, str], Row] = {}
    for row in rows(text):
        if len(row.cells) == COMPARISON_CELLS and row.cells[2] not in ("", "–"):
            ceiling = row.cells[1].split(" — ")[0]
            found[(row.cells[0], ceiling)] = row
    return found


def current_figures(text: str, measurements: Sequence[Measurement]) -> str:
    """The block, for the benchmarks in `measurements` (in their order)."""
    titles = {m.name: m.title for m in measurements}
    rates, shares = latest_rates(text), latest_shares(text)
    lines = [HEADING, "", *by_broker(measurements, titles, shares), "", INTRO, ""]
    lines += ["| figure | rate | run |", "|---|--:|---|"]
    for m in measurements:
        row = rates.get(m.title)
        lines.append(f"| {m.title} | {row.cells[3]} | {row.run} |" if row else _unrecorded(m))
    compared = [
        f"| {m.title} | {' | '.join(row.cells[1:])} | {row.run} |"
        for m in measurements
        for ratio in m.ratios
        if (row := shares.get((m.title, titles.get(ratio.ceiling, ratio.ceiling))))
    ]
    if compared:
        lines += ["", "| kernel figure | compared with | share | target | | run |"]
        lines += ["|---|---|--:|--:|---|---|", *compared]
    return "\n".join(lines) + "\n"


def by_broker(
    measurements: Sequence[Measurement],
    titles: dict[str, str],
    shares: dict[tuple[str, str], Row],
) -> list[str]:
    """The summary that opens the file: every kernel figure with a target, its latest share
    of its ceiling on Tansu and on Apache Kafka (the `<name>@kafka` twin), and the target."""
    lines = [
        "Each kernel figure as a share of its ceiling measured on the same broker in the same",
        "run (latest runs; details below).",
        "",
        "| figure | Tansu share | Apache Kafka share | target |",
        "|---|--:|--:|--:|",
    ]
    by_name = {m.name: m for m in measurements}
    for m in measurements:
        twin = by_name.get(f"{m.name}@kafka")
        for ratio in m.ratios:
            if ratio.target is None or "@" in m.name:
                continue
            cells = []
            for figure, ceiling in ((m, ratio.ceiling), (twin, f"{ratio.ceiling}@kafka")):
                if figure is None:
                    cells.append("(no broker)")  # run once: it talks to no broker
                    continue
                title = titles.get(ceiling, titles.get(ratio.ceiling, ratio.ceiling))
                row = shares.get((figure.title, title))
                cells.append(row.cells[2] if row else "–")
            ceiling_title = titles.get(ratio.ceiling, ratio.ceiling)
            lines.append(
                f"| {m.title} (of {ceiling_title}) | {cells[0]} | {cells[1]} | "
                f"≥ {ratio.target:.0%} |"
            )
    return lines


def _unrecorded(measurement: Measurement) -> str:
    return f"| {measurement.title} | not recorded yet | |"


def with_current_figures(text: str, measurements: Sequence[Measurement]) -> str:
    """`text` with its block made anew from its runs: in place, or first after the title."""
    block = current_figures(text, measurements)
    start = text.find(HEADING + "\n")
    if start < 0:
        title_end = text.index("\n") + 1 if text.startswith("# ") else 0
        return text[:title_end] + "\n" + block + "\n" + text[title_end:].lstrip("\n")
    following = re.compile(r"^## ", re.MULTILINE).search(text, start + len(HEADING))
    end = following.start() if following else len(text)
    return text[:start] + block + "\n" + text[end:]
