"""How the suite's supervisor knows pledges: entry point `vanguard.services` (pyproject.toml)."""

from __future__ import annotations

from contracts.endpoints import SuiteSettings
from contracts.topics import PLEDGES
from kernel.services import Registration

REGISTRATION = Registration(
    name="pledges",
    module="pledges",
    settings=SuiteSettings,
    port_setting="pledges_port",
    publishes=(PLEDGES,),
    order=2,
)
