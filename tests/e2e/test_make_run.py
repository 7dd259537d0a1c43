"""`make run`'s entrypoint as a newcomer sees it: broker and every service come up on
127.0.0.1, report SERVING, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from kernel.broker import free_port
from kernel.supervisor import SERVICES, wait_until_serving


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def test_up_starts_everything_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    ports = {spec.port_setting: free_port() for spec in SERVICES}
    broker_port = free_port()
    env = dict(os.environ)
    env.pop("VANGUARD_BOOTSTRAP_SERVERS", None)
    env.update({f"VANGUARD_{name.upper()}": str(port) for name, port in ports.items()})
    env.update(
        VANGUARD_BROKER_PORT=str(broker_port),
        VANGUARD_DATA_DIR=str(tmp_path / "var"),
        VANGUARD_CONSUMER_SESSION_TIMEOUT_MS="2000",
    )
    suite = subprocess.Popen(
        [sys.executable, "-m", "kernel", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert suite.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = suite.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Vanguard is up" in line:
                break
        # Keep draining the pipe so that no child ever blocks on a full stdout.
        threading.Thread(target=lambda: output.extend(suite.stdout or []), daemon=True).start()
        printed = "".join(output)
        assert "Vanguard is up" in printed, printed
        assert f"127.0.0.1:{broker_port}" in printed
        for spec in SERVICES:
            address = f"127.0.0.1:{ports[spec.port_setting]}"
            assert f"{spec.name:<10} gRPC on {address}" in printed
            assert wait_until_serving(address, timeout_s=5)
        assert (tmp_path / "var" / "archives" / "events.db").exists()

        suite.send_signal(signal.SIGINT)
        assert suite.wait(timeout=30) == 0
    finally:
        if suite.poll() is None:
            suite.kill()
            suite.wait()
    for port in [broker_port, *ports.values()]:
        assert not listening(port), f"something still listens on {port} after Ctrl-C"
