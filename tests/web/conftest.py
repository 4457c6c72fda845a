"""Browser tests: Playwright drives Debian's Chromium against `varsel serve` on loopback.

`make test` installs Chromium (apt) and the npm assets (`make web-assets`) first; Playwright never
downloads a browser of its own. Every wait is bounded, so a stuck page fails instead of hanging.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.conftest import RunningServer, launch, start_server  # noqa: F401 (launch: a fixture)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("VARSEL_TEST_CHROMIUM", "/usr/bin/chromium")
VENDOR = ROOT / "service" / "web" / "static" / "vendor"
SCREENSHOTS = ROOT / "build" / "screenshots"
TIMEOUT_MS = 20_000  # the longest any one browser step may wait


# One browser per test module, not per session: Playwright's sync API keeps an asyncio loop running
# in the main thread while it is started, and every later test that calls asyncio.run() (the group
# committer's) would then fail with "cannot be called from a running event loop".
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    if not (VENDOR / "jsme" / "jsme.nocache.js").exists():
        pytest.skip("the npm assets are not installed: `make web-assets` (make test runs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-dev-shm-usage"],
            timeout=TIMEOUT_MS * 3,
        )
        yield launched
        launched.close()


@pytest.fixture
def web_server(database_url: str, tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(
        database_url,
        extra_env={
            "VARSEL_WEBHOOK_ALLOW_PRIVATE": "true",
            "VARSEL_SECRET_KEYS_FILE": str(tmp_path / "secret-keys.txt"),
        },
    )
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


@pytest.fixture
def open_page(browser, web_server):
    """open_page(width=1280) -> a fresh browser context's page, closed at the end of the test."""
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=web_server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _sign_in(page, key: str) -> None:
    page.goto("/signin")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)


def _screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def sign_in():
    """sign_in(page, key): through the sign-in form, as a person would."""
    return _sign_in


@pytest.fixture
def shoot():
    """shoot(page, name): a full-page screenshot, build/screenshots/<name>.png (a test artifact)."""
    return _screenshot
