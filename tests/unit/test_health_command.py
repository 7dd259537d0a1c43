"""`python -m kernel health`, the images' HEALTHCHECK: which service a container runs is read
from its command line (PID 1), so one image serves all three services."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.__main__ import main
from kernel.broker import free_port
from kernel.supervisor import service_of_pid1


def cmdline(tmp_path: Path, *argv: str) -> Path:
    path = tmp_path / "cmdline"
    path.write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    return path


def test_the_service_is_the_module_pid1_runs(tmp_path: Path) -> None:
    assert service_of_pid1(cmdline(tmp_path, "/opt/vanguard/bin/python", "-m", "pledges")) == (
        "pledges"
    )


@pytest.mark.parametrize(
    "argv", [("python", "-m", "kernel", "up"), ("/bin/bash",), ("python", "-m")]
)
def test_anything_else_names_no_service(tmp_path: Path, argv: tuple[str, ...]) -> None:
    assert service_of_pid1(cmdline(tmp_path, *argv)) is None
    assert service_of_pid1(tmp_path / "missing") is None


def test_nothing_listening_is_unhealthy(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main(["health", "--port", str(port), "--timeout", "0.5"]) == 1
    assert f"127.0.0.1:{port}: not serving" in capsys.readouterr().out
