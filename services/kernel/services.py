"""The services of the suite, as they register themselves: the kernel names none of them.

A service declares a `Registration` constant in a small module of its own (importing it does
no work) and points an entry point of the group `vanguard.services` at it, in pyproject.toml:

    [project.entry-points."vanguard.services"]
    <name> = "<package>.registration:REGISTRATION"

The supervisor (`python -m kernel up`), `python -m kernel health` and the command line read
them with `registered_services()`; entry points exist once the package is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

from kernel.settings import Settings

GROUP = "vanguard.services"


@dataclass(frozen=True)
class Registration:
    name: str  # also the name of its log file and of its data directory
    module: str  # run as `python -m <module>`
    settings: type[Settings]  # the settings class that holds its port
    port_setting: str  # the field of `settings` giving its gRPC port (VANGUARD_<FIELD>)
    publishes: tuple[str, ...]  # the topics it publishes on, made before any service starts
    order: int  # the order services are started and listed in (they start at once)

    def port(self, settings: Settings) -> int:
        """Its port under `settings`; settings of another class (the kernel's own) do not
        hold it, so it is read as its own settings class reads it: from VANGUARD_*."""
        if not isinstance(settings, self.settings):
            settings = self.settings()
        return int(getattr(settings, self.port_setting))

    def address(self, settings: Settings, host: str | None = None) -> str:
        """Where it listens: `host` (default: the bind host) and its port."""
        return f"{host or settings.bind_host}:{self.port(settings)}"


class RegistrationError(Exception):
    """An entry point of the group does not give a Registration."""


def registered_services() -> tuple[Registration, ...]:
    """Every registered service, in start order (then by name)."""
    found = []
    for point in entry_points(group=GROUP):
        registration = point.load()
        if not isinstance(registration, Registration):
            raise RegistrationError(
                f"entry point {point.name} = {point.value!r} of {GROUP} gives "
                f"{type(registration).__name__}, not a Registration"
            )
        found.append(registration)
    return tuple(sorted(found, key=lambda r: (r.order, r.name)))


def service_named(name: str | None) -> Registration | None:
    """The registered service of that name, if any."""
    return next((r for r in registered_services() if r.name == name), None)
