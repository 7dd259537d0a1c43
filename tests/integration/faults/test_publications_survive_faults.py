"""Every close is published once, whatever is SIGKILLed around it: archives, pledges,
scoring or the broker (memory-only: it comes back empty), before the close is requested (so
it is requested while the part is down), while it is collected, or after it was published.
The close ends with exactly one distinct PublicationIssued event id on vanguard.evaluations,
with the content of the same story's fault-free close; nothing acknowledged is lost or
counted twice. The suite runs as processes, as `vanguard up` runs it (a round costs seconds;
the container suite and `make soak` play the same rounds)."""

from __future__ import annotations

import pytest
from processes import Processes
from rounds import play
from school import Stubs
from suite import SERVICES

pytestmark = pytest.mark.timeout(600)


@pytest.mark.parametrize("point", ["before_close", "during_close", "after_close"])
@pytest.mark.parametrize("target", [*SERVICES, "broker"])
def test_a_close_is_published_once_whatever_is_killed_around_it(
    processes: Processes, stubs: Stubs, target: str, point: str
) -> None:
    played = play(processes, stubs, target, point, seed=1, load_members=1)
    if played.problems:
        for name in ("scoring", "archives", "pledges"):
            print(f"--- {name} (last lines)\n{processes.logs(name, tail=60)}")
    assert played.problems == [], played.summary
    assert played.tally.clean(), played.tally
