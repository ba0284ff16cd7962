"""Helpers that open a built site in headless Chromium: serve it, load pages, weigh them.

Used by the browser tests (``tests/test_site_browser.py``) and the page-weight benchmark
(``nox -s page_weight``). The browser is Debian's ``chromium`` driven by Playwright; its
flags keep it off the network, and every request that leaves the site is refused and
recorded.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

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
# Files a static host sends as they are (already compressed); the rest it gzips.
COMPRESSED = {".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2", ".ico", ".zip"}
# Pages Sphinx writes that are not the book's own reading pages.
NOT_PAGES = {"genindex.html", "search.html", "py-modindex.html"}


def pages(html: Path) -> list[str]:
    """Return every HTML page of a built site, as paths relative to ``html``, sorted.

    Examples:
        >>> pages(Path("/nonexistent"))
        []
    """
    found = []
    for path in html.rglob("*.html"):
        relative = path.relative_to(html).as_posix()
        if relative.startswith(("_", "reports/")) or relative in NOT_PAGES:
            continue
        found.append(relative)
    return sorted(found)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:  # no line per request
        pass


@contextlib.contextmanager
def serve(html: Path) -> Iterator[str]:
    """Serve ``html`` on 127.0.0.1 (a free port) and yield the site's root URL."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def gzip_size(path: Path) -> int:
    """Return the bytes a static host sends for ``path``: gzip level 6, or as is if binary.

    Examples:
        >>> gzip_size(Path(__file__)) < Path(__file__).stat().st_size
        True
    """
    data = path.read_bytes()
    if path.suffix.lower() in COMPRESSED:
        return len(data)
    return min(len(data), len(gzip.compress(data, compresslevel=6, mtime=0)))


@dataclass
class Visit:
    """What happened when a page was opened."""

    page: Any
    outside: list[str] = field(default_factory=list)  # requests that left the site
    failed: list[str] = field(default_factory=list)  # requests that failed or got >= 400
    errors: list[str] = field(default_factory=list)  # console errors and page exceptions
    local: list[str] = field(default_factory=list)  # URLs loaded from the site

    def weight(self, html: Path, site: str) -> int:
        """Return the gzip bytes of every site file this page loaded (itself included)."""
        total = 0
        for url in dict.fromkeys(self.local):
            path = html / unquote(urlsplit(url).path).lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            if url.startswith(site) and path.is_file():
                total += gzip_size(path)
        return total


def open_page(context: Any, url: str, *, wait_until: str = "load") -> Visit:
    """Open ``url`` in a new tab of ``context``, recording requests and console errors."""
    page = context.new_page()
    visit = Visit(page)
    site = "/".join(url.split("/", 3)[:3])

    def route(request_route: Any) -> None:
        request = request_route.request
        if request.url.startswith(f"{site}/") or request.url == site:
            visit.local.append(request.url.split("#", 1)[0].split("?", 1)[0])
            request_route.continue_()
        elif request.url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            visit.outside.append(request.url)
            request_route.abort()

    def response(answer: Any) -> None:
        if answer.status >= 400:
            visit.failed.append(f"{answer.status} {answer.url}")

    page.route("**/*", route)
    page.on("response", response)
    page.on("requestfailed", lambda r: visit.failed.append(f"failed {r.url}"))
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.goto(url, wait_until=wait_until)
    return visit


# Milliseconds from navigation start until the math is on screen: the load event has
# fired, the fonts the page uses are loaded, and a frame has been painted after both.
# With MathJax (the book before KaTeX), typesetting must also have finished.
TIME_TO_MATH = """async () => {
  if (document.readyState !== "complete") {
    await new Promise((done) => addEventListener("load", done, {once: true}));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return performance.now();
}"""

MATH_SELECTOR = ".katex, mjx-container"


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Yield a headless Debian Chromium launched by Playwright, offline."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (optional dependency)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def measure(browser: Any, html: Path, site: str, name: str) -> dict[str, Any]:
    """Open page ``name`` in a fresh context; return its weight, requests and time to math."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    started = time.perf_counter()
    visit = open_page(context, f"{site}/{name}")
    ms = visit.page.evaluate(TIME_TO_MATH)
    visit.page.wait_for_load_state("networkidle")
    row = {
        "page": name,
        "kb_gz": visit.weight(html, site) / 1000,
        "requests": len(visit.local) + len(visit.outside),
        "math": visit.page.locator(MATH_SELECTOR).count(),
        "ms_to_math": ms,
        "outside": len(visit.outside),
        "wall_s": time.perf_counter() - started,
    }
    context.close()
    return row


# Display equations and cell outputs that reach past the box that shows them, in one call.
# For each, the extent of its content (a Range over it, so parts that overflow count) is
# compared with every ancestor that does not let overflow show: one that hides it (hidden,
# clip) must contain the content on every side; one that scrolls must contain its left edge
# (what overflows to the left of a scroll box, as a centred flex row pushes it, cannot be
# scrolled to). Past a scroll box, the box itself is what its ancestors must contain.
# Also reported: how far the page scrolls sideways as a whole.
CLIPPED = r"""() => {
  const targets = [
    ...document.querySelectorAll("div.math .katex-html, div.math .eqno"),
    ...document.querySelectorAll(
      "div.cell_output pre, div.cell_output img, div.cell_output table, div.cell_output svg"),
  ];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.classList.length ? "." + [...e.classList].join(".") : "");
  const where = (e) => {
    const block = e.closest("div.math, div.cell");
    const label = block && (block.id || block.querySelector("[id]")?.id);
    return label || (e.closest("section[id]")?.id ?? "") + ` ${name(e)}`;
  };
  const found = [];
  for (const target of targets) {
    const range = document.createRange();
    range.selectNodeContents(target);
    let box = range.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) box = target.getBoundingClientRect();
    if (box.width === 0) continue;  // not displayed (a collapsed cell, say)
    let left = box.left, right = box.right;
    for (let a = target; a && a !== document.documentElement; a = a.parentElement) {
      const overflow = getComputedStyle(a).overflowX;
      if (overflow === "visible") continue;
      const r = a.getBoundingClientRect();
      if (r.width === 0) break;  // inside something not displayed
      const past = Math.round(Math.max(r.left - left, overflow === "hidden" || overflow === "clip"
        ? right - r.right : 0));
      if (past > 1) {
        found.push(`${where(target)}: ${past} px past ${name(a)} (overflow-x: ${overflow})`);
        break;
      }
      if (overflow === "auto" || overflow === "scroll") { left = r.left; right = r.right; }
    }
  }
  const root = document.documentElement;
  const sideways = Math.max(root.scrollWidth, document.body.scrollWidth) - root.clientWidth;
  return {clipped: found, sideways: Math.max(0, sideways)};
}"""


def clipped(page: Any) -> dict[str, Any]:
    """Return the display equations and outputs ``page`` cuts off, and its sideways scroll."""
    return page.evaluate(CLIPPED)
