"""Every link and anchor inside the built site resolves; no page loads anything from outside.

A small offline link checker over the HTML files (no browser): each ``href``/``src`` that
points into the site must name a file that exists, and its ``#fragment`` an ``id`` in that
file. Links to other sites (intersphinx targets, the repository) are allowed in ``<a>``
only: a stylesheet, script, image or font from outside would make pages depend on the
network. The checker is proved able to fail on a broken fixture site.
"""

from __future__ import annotations

import html.parser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.slow

RESOURCE_TAGS = {"link", "script", "img", "source", "iframe", "video", "audio"}


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(values[key])
        for key in ("href", "src"):
            if values.get(key) and not (tag == "link" and values.get("rel") == "canonical"):
                self.links.append((tag, values[key]))


def broken_links(root: Path) -> list[str]:
    """Return every broken internal link or anchor, and every outside resource, in ``root``."""
    parsed: dict[Path, _Page] = {}

    def page(path: Path) -> _Page:
        if path not in parsed:
            parser = _Page()
            parser.feed(path.read_text(errors="replace"))
            parsed[path] = parser
        return parsed[path]

    problems = []
    for source in sorted(root.rglob("*.html")):
        if source.relative_to(root).as_posix().startswith("_"):
            continue
        for tag, url in page(source).links:
            parts = urlsplit(url)
            where = f"{source.relative_to(root)}: {url}"
            if parts.scheme in {"http", "https"} or url.startswith("//"):
                if tag in RESOURCE_TAGS:
                    problems.append(f"{where} (loaded from outside the site)")
                continue
            if parts.scheme in {"mailto", "data", "javascript"}:
                continue
            target = source if not parts.path else (source.parent / unquote(parts.path))
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where} (no such file)")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in page(target).ids
            ):
                problems.append(f"{where} (no such anchor)")
    return problems


def test_every_internal_link_and_anchor_resolves(built_book):
    assert built_book.returncode == 0, built_book.log[-3000:]
    assert broken_links(built_book.html) == []


def test_the_link_checker_catches_broken_links(tmp_path: Path):
    (tmp_path / "a.html").write_text(
        '<a id="top" href="b.html#there">ok</a> <a href="#top">ok</a>'
        ' <a href="https://docs.jax.dev/">ok</a>'
        ' <a href="missing.html">file</a> <a href="b.html#nowhere">anchor</a>'
        ' <script src="https://example.invalid/x.js"></script>'
    )
    (tmp_path / "b.html").write_text('<h1 id="there">B</h1>')
    assert broken_links(tmp_path) == [
        "a.html: missing.html (no such file)",
        "a.html: b.html#nowhere (no such anchor)",
        "a.html: https://example.invalid/x.js (loaded from outside the site)",
    ]
