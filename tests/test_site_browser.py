"""The built site, opened in a real browser with the network cut: pages load, math renders."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags that keep Chromium from calling home: the site must work with no network at all.
OFFLINE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(built_book) -> Iterator[str]:
    """Serve the built HTML on 127.0.0.1 for the duration of the module."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(built_book.html)
    )
    handler.log_message = lambda *_args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).is_file():
        message = "Chromium is missing: `nox -s tests` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_FLAGS)
        yield browser
        browser.close()


def _open(browser, url: str) -> tuple[object, list[str], list[str]]:
    """Open ``url``; return the page, the requests that left the site and the console errors."""
    page = browser.new_page()
    outside: list[str] = []
    errors: list[str] = []
    site_root = url.split("/", 3)[:3]

    def route(request_route) -> None:
        if request_route.request.url.split("/", 3)[:3] == site_root:
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url, wait_until="networkidle")
    return page, outside, errors


@pytest.mark.parametrize("name", ["index", "getting-started", "appendix/build-report"])
def test_pages_load_with_no_outside_request_or_console_error(browser, site: str, name: str):
    page, outside, errors = _open(browser, f"{site}/{name}.html")
    assert page.title()
    assert outside == []
    assert errors == []
    page.close()


def test_math_is_typeset_offline(browser, site: str):
    page, outside, _ = _open(browser, f"{site}/getting-started.html")
    page.wait_for_selector("mjx-container svg", timeout=15_000)
    assert page.locator("mjx-container").count() >= 1
    assert outside == []
    page.close()
