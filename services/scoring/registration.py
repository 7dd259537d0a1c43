"""How the suite's supervisor knows scoring: entry point `vanguard.services` (pyproject.toml)."""

from __future__ import annotations

from contracts.endpoints import SuiteSettings
from contracts.topics import EVALUATIONS, RULES
from kernel.services import Registration

REGISTRATION = Registration(
    name="scoring",
    module="scoring",
    settings=SuiteSettings,
    port_setting="scoring_port",
    publishes=(EVALUATIONS, RULES),
    order=3,
)
