"""The suite's boundaries, read from the source: the services never import each other, the
kernel names no service, the published language (contracts) rests on the kernel alone, and the
clients (vanguard_sdk, vanguard_cli, web) reach the services only through their published language
and generated gRPC code. Every import counts, also one inside a function or an
`if TYPE_CHECKING:` block."""

from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
GENERATED = "vanguard"  # protoc's output (make protos): not hand-written, not scanned
SERVICES = ("archives", "pledges", "scoring")
# The generated gRPC code every process shares; a service's own API (vanguard.<service>.v1)
# is that service's, which the kernel does not name.
SHARED_GENERATED = "vanguard.common"

# What each hand-written package may import besides the standard library, third-party
# distributions and itself (a module prefix allows it and everything under it).
ALLOWED: dict[str, tuple[str, ...]] = {
    **{service: ("kernel", "contracts", GENERATED) for service in SERVICES},
    "kernel": (SHARED_GENERATED,),
    "contracts": ("kernel",),
    "vanguard_sdk": ("kernel", "contracts", GENERATED),
    # `vanguard up` says where the web app is and prints the demo school's sign-in accounts.
    "vanguard_cli": (
        "kernel",
        "contracts",
        GENERATED,
        "vanguard_sdk",
        "web.settings",
        "web.demo_accounts",
    ),
    # The web app names the domain's codes as the terminal does (one table of Chinese terms).
    "web": ("kernel", "contracts", GENERATED, "vanguard_sdk", "vanguard_cli.labels"),
}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute, relative imports resolved

    def __str__(self) -> str:
        return f"{self.path.relative_to(SERVICES_DIR.parent)}:{self.line} imports {self.module}"


def imports_in(source: str, path: Path, package: tuple[str, ...]) -> Iterator[Import]:
    """Every import statement of a module, wherever it stands (module level, functions,
    `if TYPE_CHECKING:`, try/except). `package` is the module's package, to resolve relative
    imports."""
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join((*base, node.module) if node.module else base)
            else:
                module = node.module or ""
            # `from kernel import services` may name a module: judged as kernel.services
            for alias in node.names:
                yield Import(path, node.lineno, f"{module}.{alias.name}")


def package_of(path: Path) -> tuple[str, ...]:
    return path.relative_to(SERVICES_DIR).parts[:-1]


def hand_written() -> list[Path]:
    return sorted(
        path
        for path in SERVICES_DIR.rglob("*.py")
        if path.relative_to(SERVICES_DIR).parts[0] != GENERATED
    )


def imports_of(package: str) -> list[Import]:
    found: list[Import] = []
    for path in sorted((SERVICES_DIR / package).rglob("*.py")):
        found += imports_in(path.read_text(encoding="utf-8"), path, package_of(path))
    return found


def first_party() -> set[str]:
    """The top-level packages under services/ (also any without a rule yet)."""
    return {path.name for path in SERVICES_DIR.iterdir() if (path / "__init__.py").exists()}


@functools.cache
def third_party() -> frozenset[str]:
    """Top-level modules of installed distributions other than this project's."""
    own = {"vanguard"}
    return frozenset(
        name for name, dists in packages_distributions().items() if not own.intersection(dists)
    )


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def breaches(package: str) -> list[str]:
    allowed = (package, *ALLOWED[package])
    outside = sys.stdlib_module_names | third_party()
    ours = first_party()
    wrong = []
    for found in imports_of(package):
        top = found.module.split(".")[0]
        if top in outside and top not in ours:
            continue
        if not any(within(found.module, prefix) for prefix in allowed):
            wrong.append(f"{found} ({package} may import only {', '.join(allowed)})")
    return wrong


def test_every_hand_written_package_has_a_rule() -> None:
    """A new package under services/ needs its line in ALLOWED before it is checked."""
    assert first_party() - {GENERATED} == set(ALLOWED)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    others = [s for s in SERVICES if s != service]
    wrong = [
        str(found)
        for found in imports_of(service)
        if any(within(found.module, other) for other in others)
    ]
    assert not wrong, f"{service} imports another service:\n" + "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_only_the_kernel_contracts_generated_code_and_itself(
    service: str,
) -> None:
    wrong = breaches(service)
    assert not wrong, "\n".join(wrong)


def test_the_kernel_names_no_service_and_no_client() -> None:
    wrong = breaches("kernel")
    assert not wrong, "\n".join(wrong)


def test_the_contracts_rest_on_the_kernel_alone() -> None:
    wrong = breaches("contracts")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("client", ["vanguard_sdk", "vanguard_cli", "web"])
def test_the_clients_reach_no_service_internals(client: str) -> None:
    """The SDK, the command line and the web app talk to the services over gRPC: the
    published language, the kernel's mechanisms and the generated code, never a service's
    package."""
    wrong = breaches(client)
    assert not wrong, "\n".join(wrong)


def test_the_scan_sees_every_import_wherever_it_stands() -> None:
    """Imports in functions, under TYPE_CHECKING and relative ones are judged like the rest."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pledges.domain import pledge\n"
        "def late() -> None:\n"
        "    import archives.reading\n"
        "from ..kernel import events\n"
        "from . import ports\n"
    )
    path = SERVICES_DIR / "scoring" / "handlers" / "example.py"
    found = sorted((i.line, i.module) for i in imports_in(source, path, ("scoring", "handlers")))
    assert found == [
        (1, "typing.TYPE_CHECKING"),
        (3, "pledges.domain.pledge"),
        (5, "archives.reading"),
        (6, "scoring.kernel.events"),
        (7, "scoring.handlers.ports"),
    ]


def test_the_scan_reads_every_hand_written_module() -> None:
    scanned = {path for package in ALLOWED for path in (SERVICES_DIR / package).rglob("*.py")}
    assert scanned == set(hand_written())
    assert SERVICES_DIR / "scoring" / "bootstrap.py" in scanned


@pytest.mark.parametrize("service", SERVICES)
def test_a_domain_package_imports_without_a_database_driver(service: str) -> None:
    """Domain logic is plain Python: importing every domain module loads no store backend."""
    modules = [
        f"{service}.domain.{path.stem}"
        for path in sorted((SERVICES_DIR / service / "domain").glob("*.py"))
        if path.stem != "__init__"
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "drivers = ('sqlite3', 'psycopg', 'kernel.store.sqlite')\n"
        "print(sorted(m for m in drivers if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SERVICES_DIR)},
    )
    assert done.stdout.strip() == "[]"
