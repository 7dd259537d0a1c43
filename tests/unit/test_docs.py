"""The project's documents hold together as a reader follows them: every relative link leads
to a file that exists and every `#anchor` to a heading of it (GitHub's slugs), no document
leans on design notes kept outside the repository, every module path or dotted name a
document gives exists, the code's pointers into docs/ land on a heading, and the operator's
page names every setting, make target and command there is."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import typer.main
from pydantic_settings import BaseSettings

from archives.config import ArchivesConfig
from contracts.endpoints import SuiteSettings
from pledges.config import PledgesConfig
from scoring.config import ScoringConfig
from vanguard_cli.main import app
from web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
PACKAGES = (
    "kernel",
    "contracts",
    "archives",
    "pledges",
    "scoring",
    "vanguard_sdk",
    "vanguard_cli",
    "web",
)
# Notes kept outside the repository (a clone lacks them); spelt apart: this file is checked too.
OUTSIDE = ("DESIGN" + ".md", "STYLE" + ".md", "../shared", "/work/" + "shared")

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
MODULE_PATH = re.compile(r"(?<![\w./-])((?:[\w-]+/)+[\w-]+\.py)\b")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(rf"(?:services\.)?((?:{'|'.join(PACKAGES)})(?:\.\w+)+)(?::(\w+))?")
PACKAGE_DIR = re.compile(rf"(?:services/)?((?:{'|'.join(PACKAGES)})/(?:[\w-]+/)*)")
DOCS_POINTER = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")


def documents(root: Path = ROOT) -> list[Path]:
    found = {root / "README.md", root / "bench" / "RESULTS.md"}
    for folder in ("docs", "deploy", "tests"):
        found.update((root / folder).rglob("*.md"))
    return sorted(path for path in found if path.exists())


def prose(text: str) -> str:
    """The text a reader follows links in: fenced code blocks left out."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its rendered text, lower case, punctuation dropped
    (letters of any script, digits, `_` and `-` stay), each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a Markdown file; a repeated heading gets -1, -2… as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(prose(path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(document: Path) -> Iterator[str]:
    for target in LINK.findall(prose(document.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.exists():
            yield f"{document.name}: {target} (no such file)"
        elif anchor and (path.suffix != ".md" or anchor not in anchors(path)):
            yield f"{document.name}: {target} (no such heading)"


def outside_references(paths: Iterable[Path]) -> Iterator[str]:
    for path in paths:
        text = path.read_text()
        for outside in OUTSIDE:
            if outside in text:
                yield f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {outside}"


def exists(path: str, root: Path = ROOT) -> bool:
    return (root / path).exists() or (root / "services" / path).exists()


def top_level_names(module: Path) -> set[str]:
    names = set()
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def dotted_exists(dotted: str, attribute: str | None, services: Path = SERVICES) -> bool:
    """`kernel.supervisor.run`, `archives.bootstrap:build`: packages and modules down the
    path, then a name the module defines (one level: `Class.method` is not looked into)."""
    parts = dotted.split(".") + ([attribute] if attribute else [])
    here = services
    for index, part in enumerate(parts):
        if (here / part).is_dir():
            here = here / part
            continue
        if (here / f"{part}.py").is_file():
            here = here / f"{part}.py"
            rest = parts[index + 1 :]
            return not rest or rest[0] in top_level_names(here)
        init = here / "__init__.py"
        return here.is_dir() and init.is_file() and part in top_level_names(init)
    return True


def missing_modules(document: Path) -> Iterator[str]:
    text = document.read_text()
    for path in MODULE_PATH.findall(text):
        if not exists(path):
            yield f"{document.name}: {path}"
    for span in CODE_SPAN.findall(text):
        dotted = DOTTED.fullmatch(span)
        named = dotted is not None and (dotted[1].count(".") >= 2 or dotted[2] is not None)
        if dotted is not None and named and not dotted_exists(dotted[1], dotted[2]):
            yield f"{document.name}: {span}"
        folder = PACKAGE_DIR.fullmatch(span)
        if folder and not (SERVICES / folder[1]).is_dir():
            yield f"{document.name}: {span}"


def documented_pointers(source: Path) -> list[tuple[str, str]]:
    """Every `docs/<page>.md#<anchor>` a source file points at."""
    return [(page, anchor) for page, anchor in DOCS_POINTER.findall(source.read_text())]


# -- the documents as they are -------------------------------------------------------------


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(document: Path) -> None:
    assert list(broken_links(document)) == []


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_a_document_names_exists(document: Path) -> None:
    assert list(missing_modules(document)) == []


def test_nothing_leans_on_design_notes_outside_the_repository() -> None:
    sources = [
        *documents(),
        *(p for folder in ("services", "tests", "bench") for p in (ROOT / folder).rglob("*.py")),
        ROOT / "Makefile",
        ROOT / "pyproject.toml",
    ]
    mine = Path(__file__).resolve()
    assert list(outside_references(p for p in sources if p.resolve() != mine)) == []


def test_the_codes_pointers_into_the_docs_land_on_headings() -> None:
    pointers = {
        (str(source.relative_to(ROOT)), page, anchor)
        for folder in ("services", "tests", "bench")
        for source in (ROOT / folder).rglob("*.py")
        if "services/vanguard/" not in str(source)
        for page, anchor in documented_pointers(source)
    }
    assert pointers, "the code points into docs/ (e.g. docs/design.md#security)"
    broken = [p for p in pointers if p[2] not in anchors(ROOT / "docs" / p[1])]
    assert broken == []


SETTINGS: tuple[type[BaseSettings], ...] = (
    SuiteSettings,
    ArchivesConfig,
    PledgesConfig,
    ScoringConfig,
    WebSettings,
)


def test_the_operators_page_names_every_setting() -> None:
    page = (ROOT / "docs" / "operating.md").read_text()
    names = {
        f"{kind.model_config.get('env_prefix', '')}{field}".upper()
        for kind in SETTINGS
        for field in kind.model_fields
    }
    assert sorted(name for name in names if f"`{name}`" not in page) == []


def test_the_operators_page_names_every_make_target() -> None:
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony is not None
    page = (ROOT / "docs" / "operating.md").read_text()
    assert [t for t in phony[1].split() if f"make {t}" not in page] == []


def test_the_clients_page_names_every_command_of_the_command_line() -> None:
    group = typer.main.get_command(app)
    commands = getattr(group, "commands", {})
    assert commands
    page = (ROOT / "docs" / "clients.md").read_text()
    assert [name for name in commands if f"vanguard {name}" not in page] == []


# -- the checks catch what they are for ----------------------------------------------------


def test_the_slugs_are_githubs() -> None:
    assert slug("Not built yet / where the code differs") == "not-built-yet--where-the-code-differs"
    assert slug("The `vanguard` command line") == "the-vanguard-command-line"
    assert slug("Apache Kafka (KRaft) instead of Tansu") == "apache-kafka-kraft-instead-of-tansu"
    assert slug("2026-11-24 19:26 UTC") == "2026-11-24-1926-utc"
    assert slug("术语 Glossary") == "术语-glossary"


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# There\n\n## A part\n\n```\n## Not a heading\n```\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md#a-part) [ok](#page) [web](https://example.org/x#y)\n"
        "# Page\n[gone](missing.md) [no part](there.md#b-part) [code](there.md#not-a-heading)\n"
        "```\n[in code](nowhere.md)\n```\n"
    )
    assert list(broken_links(page)) == [
        "page.md: missing.md (no such file)",
        "page.md: there.md#b-part (no such heading)",
        "page.md: there.md#not-a-heading (no such heading)",
    ]


def test_a_stale_module_path_or_name_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "`kernel/supervisor.py`, `services/contracts/periods.py`, `kernel.supervisor.run`, "
        "`archives.bootstrap:build`, `scoring/stream/`\n"
        "`kernel/periods.py`, `scoring/stream/agents.py`, `scoring.stream.faust_setup.stop`, "
        "`pledges.domain.stage.stage_of`, `kernel.supervisor.gone`, `scoring/gone/`\n"
    )
    assert list(missing_modules(page)) == [
        "page.md: kernel/periods.py",
        "page.md: scoring/stream/agents.py",
        "page.md: scoring.stream.faust_setup.stop",
        "page.md: pledges.domain.stage.stage_of",
        "page.md: kernel.supervisor.gone",
        "page.md: scoring/gone/",
    ]


def test_a_reference_to_notes_outside_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"As {OUTSIDE[0]} §6 says.\n")
    assert list(outside_references([page])) == [f"{page}: {OUTSIDE[0]}"]
