"""`python -m bench`: measure, print, and append the figures to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness import Figure, Measurement, Rig
from bench.machine import this_machine
from bench.report import compare, console_comparison, console_line, markdown_section, record
from bench.suite import BROKER_TITLES, MEASUREMENTS, ON_BROKER, RECORDED, on_broker
from kernel.logfiles import file_handler, log_dir
from kernel.logs import LOG_FORMAT

RESULTS = Path(__file__).with_name("RESULTS.md")
DATA_DIR = Path("var")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="shorten (<1) every loop")
    parser.add_argument(
        "--only", nargs="+", metavar="PREFIX", help="run measurements whose name starts so"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="file to append to")
    parser.add_argument("--no-record", action="store_true", help="print only")
    parser.add_argument(
        "--brokers",
        nargs="+",
        choices=sorted(BROKER_TITLES),
        default=["tansu", "kafka"],
        help="run the figures that talk to a broker on each (the others on the first)",
    )
    return parser.parse_args(argv)


def log_to_file(data_dir: Path) -> Path:
    """The services the measurements start log to `<data dir>/log/bench.log`, not to the
    terminal, which shows only the figures (their own set-up finds the root logger taken)."""
    path = log_dir(data_dir) / "bench.log"
    handler = file_handler(path)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path


def measure(rig: Rig, measurement: Measurement) -> Figure:
    """Run one measurement; an error is reported as its figure and the others go on."""
    try:
        return Figure(measurement, measurement.run(rig))
    except Exception as exc:  # a broken measurement must not hide the rest
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, for the table
        return Figure(measurement, None, reason.replace("|", "/"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    machine = this_machine()
    logs = log_to_file(DATA_DIR)
    print(f"{machine.date:%Y-%m-%d %H:%M} UTC — {machine.describe()}  (logs: {logs})")
    chosen = [m for m in MEASUREMENTS if not args.only or m.name.startswith(tuple(args.only))]
    figures = []
    for n, kind in enumerate(args.brokers):
        print(f"on {BROKER_TITLES[kind]}:", flush=True)
        with Rig(args.scale, kind) as rig:
            for measurement in chosen:
                if n == 0 or measurement.name in ON_BROKER:
                    figures.append(measure(rig, on_broker(measurement, kind)))
                    print(console_line(figures[-1]), flush=True)
    for comparison in compare(figures):
        print(console_comparison(comparison))
    if not args.no_record:
        record(
            args.results,
            markdown_section(machine, figures, args.scale),
            RECORDED,
        )
        print(f"appended to {args.results}")
    return 1 if any(figure.error for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
