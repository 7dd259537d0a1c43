"""`make soak`: many fault rounds (rounds.py) against the suite run as processes, the way
`vanguard up` runs it (processes.py), and the totals at the end.

Each round picks, from a seeded generator, what to SIGKILL (archives, pledges, scoring or the
broker) and when (during the load, just before a close, while it is collected, after it was
published), plays it and counts what went wrong. Every round is bounded: each wait in it has
a deadline (commands retried for at most 180 s, each check settles within 90 s, a part comes
back within 120 s). The suite is started afresh every `--fresh-every` rounds, so scoring's
replay at each start stays short; the run stops starting rounds once `--budget-s` is spent.

Prints one line per round and the totals (lost, duplicated-and-counted, missing publications,
and the other counts), rounds run and time; exits 1 unless every total is 0 and every round
asked for was run. Logs (the services', the broker's, this process's) go to `--logs`.

    .venv/bin/python tests/containers/soak.py --rounds 100
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TextIO

from processes import Processes
from rounds import POINTS, Round, Tally, play
from school import Stubs
from suite import SERVICES

TARGETS = (*SERVICES, "broker")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--fresh-every", type=int, default=10, help="rounds per suite")
    parser.add_argument("--budget-s", type=float, default=5400.0, help="whole-run bound")
    parser.add_argument("--members", type=int, default=2, help="members per round's story")
    parser.add_argument("--logs", type=Path, default=None, help="default: a temporary folder")
    return parser.parse_args()


def quiet(logs: Path) -> TextIO:
    """Send this process's (and its children's) stdout and stderr to a file; answer the
    terminal, for the report."""
    terminal = os.fdopen(os.dup(1), "w", buffering=1)
    sink = os.open(logs / "soak.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    logging.basicConfig(level=logging.WARNING)
    return terminal


def main() -> int:
    args = arguments()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="vanguard-soak-"))
    logs.mkdir(parents=True, exist_ok=True)
    out = quiet(logs)
    rng = random.Random(args.seed)
    print(f"soak: {args.rounds} rounds, seed {args.seed}, logs in {logs}", file=out)
    total, played, started = Tally(), 0, time.monotonic()
    failed: list[Round] = []
    broken: list[str] = []  # rounds that ended in an exception (a part never came back)
    while played < args.rounds and time.monotonic() - started < args.budget_s:
        suite = Processes(logs / f"suite-{played // args.fresh_every}", f"soak-{uuid.uuid4()}")
        suite.start()
        stubs = Stubs.connect({name: suite.address(name) for name in SERVICES})
        try:
            for _ in range(min(args.fresh_every, args.rounds - played)):
                if time.monotonic() - started >= args.budget_s:
                    break
                target, point = rng.choice(TARGETS), rng.choice(POINTS)
                seed = rng.randrange(1 << 30)
                try:
                    result = play(suite, stubs, target, point, seed, args.members)
                except Exception as exc:  # counted as a failed round; the next gets a new suite
                    played += 1
                    line = f"{target:<8} {point:<12} seed {seed}: {type(exc).__name__}: {exc}"
                    broken.append(line.splitlines()[0])
                    print(f"{played:>4} BAD {broken[-1]}", file=out)
                    logging.exception("round %d broke", played)
                    break
                played += 1
                total.add(result.tally)
                mark = "ok " if not result.problems else "BAD"
                print(f"{played:>4} {mark} {result.summary}", file=out)
                if result.problems:
                    failed.append(result)
                    for problem in result.problems[:5]:
                        print(f"       {problem}", file=out)
        finally:
            stubs.close()
            suite.stop()
            if not failed and not broken and args.logs is None:  # keep a failed suite's logs
                shutil.rmtree(suite.root, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(
        f"soak: {played} rounds in {elapsed:.0f}s; lost {total.lost}, duplicated-and-counted "
        f"{total.duplicated}, missing publications {total.missing_publications} "
        f"(extra publications {total.extra_publications}, wrong publications "
        f"{total.wrong_publications}, wrong evaluations {total.wrong_evaluations})",
        file=out,
    )
    if broken:
        print(f"soak: {len(broken)} rounds broke off (a part did not come back)", file=out)
    ok = total.clean() and not broken and played >= args.rounds
    if played < args.rounds:
        print(f"soak: only {played} of {args.rounds} rounds within {args.budget_s:.0f}s", file=out)
    print("soak: PASSED" if ok else f"soak: FAILED (logs in {logs})", file=out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
