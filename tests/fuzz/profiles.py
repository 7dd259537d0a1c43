"""Hypothesis profiles of the fuzz suite, chosen by VANGUARD_FUZZ_PROFILE.

`ci` (the default, `make test`): few examples per RPC, derandomized so every run draws the
same calls, no example database, no shrinking (a failure is reported as drawn, at once).
`fuzz` (`make fuzz`): many more examples, a fresh seed per run, shrinking, and the failures
kept in .hypothesis/ to be replayed first next time. Calls go over real sockets, so no
per-example deadline: the call deadlines bound each example instead."""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings

PROFILE_ENV = "VANGUARD_FUZZ_PROFILE"
# Calls over sockets are slow to generate for; the services fixture is the module's on
# purpose, and the per-test health fixture checks after the whole batch of examples.
SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]


@dataclass(frozen=True)
class Budget:
    """Examples per RPC (well-formed requests) and per method (malformed bytes)."""

    requests: int
    malformed: int


BUDGETS = {"ci": Budget(requests=25, malformed=5), "fuzz": Budget(requests=300, malformed=60)}

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=SUPPRESSED,
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=SUPPRESSED,
    print_blob=True,
)


def name() -> str:
    chosen = os.environ.get(PROFILE_ENV, "ci")
    if chosen not in BUDGETS:
        raise ValueError(f"{PROFILE_ENV} must be one of {sorted(BUDGETS)}, not {chosen!r}")
    return chosen


def load() -> None:
    settings.load_profile(name())


def budget() -> Budget:
    return BUDGETS[name()]
