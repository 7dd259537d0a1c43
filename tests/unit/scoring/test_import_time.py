"""Nothing happens at import: importing any module of the services, the kernel, the contracts
or the clients starts no thread or process, opens no socket, makes no faust app and no event
loop, patches nothing of faust, and writes no file. The composition roots
(scoring.bootstrap.build, the services' runtimes) do that when called; a module that did it
on import would do it in every process that imports it (the supervisor, the command line, the
worker processes, the tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SERVICES_DIR = Path(__file__).resolve().parents[3] / "services"
PACKAGES = ("scoring", "archives", "pledges", "kernel", "contracts", "vanguard_sdk", "vanguard_cli")

# Runs in a fresh interpreter: imports the modules named on stdin, then reports what exists.
PROBE = """
import asyncio, gc, importlib, json, os, sys, threading

def sockets():
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:  # the directory listing's own descriptor, closed since
            continue
        if target.startswith("socket:"):
            found.append(target)
    return found

def children():
    # processes whose parent is this one: multiprocessing's and subprocess's alike
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == os.getpid():
            found.append(int(pid))
    return found

modules = json.load(sys.stdin)
for name in modules:
    importlib.import_module(name)
import aiokafka, faust  # what scoring builds its app from (imported by scoring already)
from faust.transport.drivers import aiokafka as faust_aiokafka
gc.collect()
objects = gc.get_objects()
print(json.dumps({
    "imported": sorted(set(modules) & set(sys.modules)),
    "threads": [t.name for t in threading.enumerate()],
    "native_threads": len(os.listdir("/proc/self/task")),
    "children": children(),
    "sockets": sockets(),
    "faust_apps": sum(isinstance(o, faust.App) for o in objects),
    "event_loops": sum(isinstance(o, asyncio.AbstractEventLoop) for o in objects),
    # scoring.adapters.faust_app patches faust's driver when the app is built, not before
    "faust_patched": faust_aiokafka.Transport.Consumer is not faust_aiokafka.Consumer
    or faust_aiokafka.aiokafka is not aiokafka,
}))
"""


def module_names(package: str) -> list[str]:
    names = []
    for path in sorted((SERVICES_DIR / package).rglob("*.py")):
        parts = path.relative_to(SERVICES_DIR).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_of_the_services_imports_without_doing_anything(tmp_path: Path) -> None:
    modules = [name for package in PACKAGES for name in module_names(package)]
    assert "scoring.bootstrap" in modules and "scoring.adapters.faust_app" in modules
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VANGUARD_", "PYTEST_"))
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(modules),
        capture_output=True,
        text=True,
        cwd=tmp_path,  # a module that wrote a file (./var, a log) would write it here
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found.pop("imported") == sorted(modules)
    found["files"] = sorted(os.listdir(tmp_path))
    assert found == {
        "threads": ["MainThread"],
        "native_threads": 1,
        "children": [],
        "sockets": [],
        "faust_apps": 0,
        "event_loops": 0,
        "faust_patched": False,
        "files": [],
    }
