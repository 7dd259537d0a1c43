"""The services as the kernel finds them (entry points `vanguard.services`, kernel/services.py):
what the supervisor starts, where each listens, which topics it makes, which log files
`vanguard up` writes and `vanguard logs` reads."""

from __future__ import annotations

import importlib.util
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from contracts.endpoints import SuiteSettings
from contracts.topics import PUBLISHED
from kernel import services
from kernel.services import (
    GROUP,
    Registration,
    RegistrationError,
    registered_services,
    service_named,
)
from kernel.settings import Settings
from kernel.supervisor import child_logs, log_names, service_of_pid1

NAMES = ("archives", "pledges", "scoring", "web")


def test_the_services_and_the_web_app_are_registered_in_their_start_order() -> None:
    registrations = registered_services()
    assert tuple(r.name for r in registrations) == NAMES
    assert [r.order for r in registrations] == sorted(r.order for r in registrations)


def test_each_service_has_a_name_a_port_and_a_data_directory_of_its_own() -> None:
    registrations = registered_services()
    assert len({r.name for r in registrations}) == len(registrations)
    assert len({r.port_setting for r in registrations}) == len(registrations)
    defaults = [r.port(r.settings()) for r in registrations]
    assert len(set(defaults)) == len(defaults), f"two services on one port: {defaults}"


@pytest.mark.parametrize("registration", registered_services(), ids=lambda r: r.name)
def test_a_registration_names_what_exists(registration: Registration) -> None:
    """The supervisor runs `python -m <module>` and reads the port from its settings class."""
    assert importlib.util.find_spec(registration.module) is not None
    assert registration.port_setting in registration.settings.model_fields
    assert set(registration.publishes) <= set(PUBLISHED)
    # Only the web app publishes nothing: it changes things through the services' APIs.
    assert registration.publishes or registration.name == "web"


def test_every_published_topic_has_one_publisher() -> None:
    publishers = [topic for r in registered_services() for topic in r.publishes]
    assert sorted(publishers) == sorted(PUBLISHED)


def test_the_port_is_read_from_the_environment_under_the_kernels_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The supervisor holds the kernel's Settings, which have no service ports: each
    registration reads its own from VANGUARD_<PORT SETTING>."""
    monkeypatch.setenv("VANGUARD_SCORING_PORT", "61234")
    monkeypatch.setenv("VANGUARD_BIND_HOST", "127.0.0.2")
    scoring = service_named("scoring")
    assert scoring is not None
    assert scoring.port(Settings()) == 61234
    assert scoring.address(Settings()) == "127.0.0.2:61234"
    assert scoring.address(Settings(), host="scoring") == "scoring:61234"


def test_the_port_of_the_services_own_settings_is_the_one_they_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VANGUARD_PLEDGES_PORT", "61234")
    pledges = service_named("pledges")
    assert pledges is not None
    assert pledges.port(SuiteSettings(pledges_port=50999)) == 50999
    assert pledges.address(SuiteSettings(pledges_port=50999, bind_host="0.0.0.0")) == (
        "0.0.0.0:50999"
    )


def test_an_entry_point_that_gives_no_registration_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bogus = EntryPoint(name="bogus", value="kernel.settings:Settings", group=GROUP)
    monkeypatch.setattr(services, "entry_points", lambda group: [bogus])
    with pytest.raises(RegistrationError, match="bogus"):
        registered_services()


def test_a_service_is_found_by_name() -> None:
    pledges = service_named("pledges")
    assert pledges is not None and pledges.name == "pledges" and pledges.module == "pledges"
    assert service_named("treasury") is None
    assert service_named(None) is None


def test_vanguard_up_writes_a_log_for_the_broker_every_service_and_itself() -> None:
    assert child_logs() == ("broker", *NAMES)
    assert sorted(log_names()) == sorted(("broker", "supervisor", *NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_a_container_knows_its_service_by_the_command_of_pid_1(tmp_path: Path, name: str) -> None:
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"/usr/bin/python3\0-m\0" + name.encode() + b"\0")
    assert service_of_pid1(cmdline) == name


def test_a_container_running_something_else_has_no_service(tmp_path: Path) -> None:
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"/usr/bin/python3\0-m\0kernel\0up\0")
    assert service_of_pid1(cmdline) is None
    assert service_of_pid1(tmp_path / "missing") is None
