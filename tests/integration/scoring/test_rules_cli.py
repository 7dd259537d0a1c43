"""`vanguard rules list | preview FILE | adopt FILE` against a running scoring worker: what the
committee sees before and after adopting a version, and the one-line refusal of a bad file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from scoring_kit import Evaluations, Log, ScoringProcess
from test_scoring_rules import EFFECTIVE, WEIGHTS, document
from unit.scoring.story import Story
from unit.scoring.test_rules import DEFAULT
from unit.scoring.test_tiers import complete

VANGUARD = str(Path(sys.executable).with_name("vanguard"))


def cli(worker: ScoringProcess, school: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        VANGUARD_SCORING_PORT=str(worker.port),
        VANGUARD_BIND_HOST="127.0.0.1",
        COLUMNS="160",  # a table as wide as a terminal shows it, not wrapped at 80
    )
    return subprocess.run(
        [VANGUARD, "--school", school, "rules", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def json_of(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_list_preview_and_adopt(
    worker: ScoringProcess,
    log: Log,
    evaluations: Evaluations,
    story: Story,
    school: str,
    tmp_path: Path,
) -> None:
    log.publish(complete(story, "m1", 10, 90))  # 64.0, 1★ under the default rules
    evaluations.wait_for(
        lambda _: (
            (e := evaluations.latest(school, "m1", "2026-10")) is not None
            and not e.data["provisional"]
        )
    )
    candidate = tmp_path / "rules.json"
    candidate.write_text(document(f"{school}-2030.1", weights=WEIGHTS))

    listed = json_of(cli(worker, school, "list", "--json"))
    assert [(v["version"], v["in_force"]) for v in listed["versions"]] == [
        (DEFAULT["version"], True)
    ]

    preview = json_of(
        cli(worker, school, "preview", str(candidate), "--period", "2026-10", "--json")
    )
    assert preview["current_rules_version"] == DEFAULT["version"]
    [line] = preview["members"]
    assert (line["member_id"], line["old_composite"], line["old_stars"]) == ("m1", 64.0, 1)
    assert (line["new_composite"], line["new_stars"]) == (83.5, 3)  # .1×25 + .9×90
    table = cli(worker, school, "preview", str(candidate), "--period", "2026-10")
    assert table.returncode == 0 and "64" in table.stdout and "83.5" in table.stdout

    adopted = cli(worker, school, "adopt", str(candidate))
    assert adopted.returncode == 0, adopted.stderr
    assert f"rules {school}-2030.1 adopted · effective from {EFFECTIVE}" in adopted.stdout
    again = cli(worker, school, "adopt", str(candidate))
    assert "was adopted already (nothing changed)" in again.stdout

    shown = cli(worker, school, "list")
    assert shown.returncode == 0 and f"{school}-2030.1" in shown.stdout
    assert "adopted" in shown.stdout and "in force" in shown.stdout

    bad = tmp_path / "bad.json"
    bad.write_text(document("bad", "2030-01-15"))
    refused = cli(worker, school, "adopt", str(bad))
    assert refused.returncode == 3  # INVALID_ARGUMENT
    assert "rules_json.effective_from" in refused.stderr
