"""The suite as `make run` starts it (`vanguard up --demo`, on free ports), and Debian's
chromium driven by Playwright (deploy/chromium.sh installs it; Playwright's own browser
builds cannot be downloaded here). Screenshots go to var/screenshots/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e.up_process import VANGUARD_UP_DEMO, UpProcess
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
UP_S = 180.0  # broker, four services and the demo school on a busy 2-core machine


@dataclass
class Site:
    url: str
    passwords: dict[str, str]
    up: UpProcess


@pytest.fixture(scope="module")  # stopped once the browser tests are done: `make test` goes on
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with UpProcess(tmp_path_factory.mktemp("web") / "var", argv=VANGUARD_UP_DEMO) as up:
        line = up.wait_for_line(r"^Web app: http://", UP_S)
        up.wait_for_line(r"^  sign in as m03 ", 10)
        match = re.search(r"(http://\S+)/", line)
        assert match is not None, line
        accounts = json.loads((up.data_dir / "web" / "demo-accounts.json").read_text())
        assert f"http://127.0.0.1:{up.web_port}" == match[1]
        yield Site(match[1], {a["username"]: a["password"] for a in accounts}, up)


# Module scope: Playwright's sync API runs an event loop of its own while it is open, and the
# asyncio tests that come after the browser's must find none running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: deploy/chromium.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def new_context(browser: Browser, site: Site) -> Iterator[object]:
    made: list[BrowserContext] = []

    def make(phone: bool = False) -> BrowserContext:
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(base_url=site.url, viewport=size, locale="zh-CN")
        context.set_default_timeout(20_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def sign_in(page: Page, site: Site, username: str, password: str | None = None) -> None:
    page.goto("/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or site.passwords[username])
    page.click("form[action='/signin'] button")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
