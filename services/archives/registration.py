"""How the suite's supervisor knows archives: entry point `vanguard.services` (pyproject.toml)."""

from __future__ import annotations

from contracts.endpoints import SuiteSettings
from contracts.topics import ARCHIVES
from kernel.services import Registration

REGISTRATION = Registration(
    name="archives",
    module="archives",
    settings=SuiteSettings,
    port_setting="archives_port",
    publishes=(ARCHIVES,),
    order=1,
)
