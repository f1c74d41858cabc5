"""Headless Chromium for the browser tests: Debian's package driven by Python Playwright.

No browser is downloaded: Playwright launches the system Chromium (`apt-get install chromium`).
Where Playwright or Chromium is missing the tests skip and say why, except when
KPIBOT_REQUIRE_BROWSER=1 (CI sets it), where they fail instead. The page may only load from
127.0.0.1: every other request is refused and recorded, and the tests assert there were none.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Route, ViewportSize

# Read at import: the suite's autouse fixture removes KPIBOT_* variables before each test.
REQUIRE_BROWSER = os.environ.get("KPIBOT_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("KPIBOT_CHROMIUM", "")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
TIMEOUT_MS = 30_000  # how long an expectation may wait: generous, never a timing assertion


def unavailable(reason: str) -> NoReturn:
    """Skip with the reason shown, or fail with it when a browser is required."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (KPIBOT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def chromium_path() -> str:
    for candidate in (CHROMIUM, "chromium", "chromium-browser"):
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    unavailable(
        "no Chromium to drive: install Debian's package (apt-get install chromium), "
        "or point KPIBOT_CHROMIUM at a Chromium binary"
    )


@contextmanager
def launched() -> Iterator[Browser]:
    """Chromium under Playwright, for a whole test session."""
    try:
        from playwright.sync_api import Error, expect, sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install -e '.[dev]'")
    expect.set_options(timeout=TIMEOUT_MS)  # a noisy 2-core machine renders charts slowly
    path = chromium_path()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=path, args=CHROMIUM_ARGS, headless=True, timeout=60_000
            )
        except Error as exc:
            unavailable(f"Chromium at {path} does not start: {str(exc).splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()


class OutsideRequests:
    """Refuses every request that would leave 127.0.0.1, and remembers it."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, route: Route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOOPBACK:
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}  # an iPhone 12-15 in portrait, in CSS pixels


@contextmanager
def page_context(
    browser: Browser, viewport: ViewportSize | None = None
) -> Iterator[tuple[BrowserContext, OutsideRequests]]:
    context = browser.new_context(viewport=viewport or DESKTOP, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    outside = OutsideRequests()
    context.route("**/*", outside)
    try:
        yield context, outside
    finally:
        context.close()


def _variant() -> str:
    """The test's variant, "-sqlite" or "-postgresql": under pytest-xdist both variants of a
    test run at once, so each writes its own file."""
    found = re.search(r"\[(.+?)\]", os.environ.get("PYTEST_CURRENT_TEST", ""))
    return "-" + re.sub(r"[^\w.-]+", "-", found.group(1)) if found else ""


def screenshot(page: Any, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    """Save a screenshot under test-artifacts/ and print where, even with output captured."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}{_variant()}.png"
    page.screenshot(path=str(path))
    with capsys.disabled():
        sys.stdout.write(f"\n[browser screenshot] {path}\n")
    return path
