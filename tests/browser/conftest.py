"""Browser fixtures: the real app under uvicorn on 127.0.0.1, driven by Debian's Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from trdnav.settings import Settings
from trdnav.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app the browser tests use, on its own SQLite file; tests may add records to it."""
    database = tmp_path_factory.mktemp("browser") / "trdnav.db"
    return create_app(Settings(database_url=f"sqlite:///{database}"))


@pytest.fixture(scope="session")
def live_server(live_app: FastAPI) -> Iterator[str]:
    app = live_app
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start within 15 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian Chromium is missing: run scripts/install-system-packages.sh (make test does)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    opened = context.new_page()
    yield opened
    context.close()


def new_page(browser: Browser, **context_options: Any) -> Page:
    """A page in a fresh context with custom options (JavaScript off, a phone-sized screen, ...)."""
    return browser.new_context(**context_options).new_page()


AXE = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core reports no WCAG 2.1 A/AA violations on the current page."""
    results = AXE.run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()


def assert_no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


PAGE_BUDGET_BYTES = 100 * 1000

PAGE_WEIGHT = """() => {
  const entries = [
    ...performance.getEntriesByType('navigation'),
    ...performance.getEntriesByType('resource'),
  ];
  return entries.map(e => ({url: e.name, bytes: e.decodedBodySize}));
}"""


def assert_light_and_local(page: Page, base: str) -> None:
    """The page and everything it loads come from the app itself, and weigh at most 100 KB.

    Bodies are counted uncompressed (decodedBodySize: the budget is of HTML and CSS, and responses
    are gzip-compressed when sent), also for a stylesheet served from the browser's cache: a person
    opening this page first pays for its CSS too.
    """
    page.wait_for_load_state("load")
    entries: list[dict[str, Any]] = page.evaluate(PAGE_WEIGHT)
    foreign = [e["url"] for e in entries if not e["url"].startswith(base + "/")]
    assert not foreign, f"the page loads from outside the app: {foreign}"
    total = sum(e["bytes"] for e in entries)
    assert 0 < total <= PAGE_BUDGET_BYTES, f"{page.url} weighs {total:,} bytes with its resources: {entries}"
