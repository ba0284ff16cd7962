"""The real book builds from scratch with no warnings, and its HTML is self-contained."""

from __future__ import annotations

import collections
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from booktools import ROOT

from jax101.exercises import EXERCISES

pytestmark = pytest.mark.slow

CHAPTERS = sorted(p.stem for p in (ROOT / "docs").glob("*.md") if "kernelspec:" in p.read_text())


NOT_LOADED = {"next", "prev", "index", "search", "canonical"}  # link rels that load nothing


class _Resources(HTMLParser):
    """Collect the URLs a page loads by itself (scripts, styles, images, frames, fonts)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source", "embed"}:
            self.urls.append(values.get("src") or "")
        if tag == "link" and values.get("rel") not in NOT_LOADED:
            self.urls.append(values.get("href") or "")


def _html_pages(html: Path) -> list[Path]:
    return sorted(html.rglob("*.html"))


def test_the_book_builds_with_no_warnings(built_book):
    assert built_book.returncode == 0, built_book.log[-5000:]
    assert "WARNING" not in built_book.log
    assert "without encryption" not in built_book.log  # kernel noise is silenced
    assert "ParserConfig(" not in built_book.log  # so are myst's configuration dumps


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_chapter_states_its_provenance(built_book, name: str):
    page = (built_book.html / f"{name}.html").read_text()
    assert 'class="jax101-provenance' in page  # the footer, with its style
    assert re.search(r"with JAX \d+\.\d+", page)
    # every chapter checks its claims, and the footer says how many checks passed
    footer = re.search(r"; (\d+) checks? passed\.", page)
    assert footer is not None
    assert int(footer[1]) >= 1


def test_the_build_report_lists_every_chapter_with_its_checks_and_exercises(built_book):
    page = (built_book.html / "appendix" / "build-report.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    cells = [re.findall(r"<p>(.*?)</p>", row, flags=re.S) for row in rows[1:]]
    reported = {re.sub(r"<[^>]+>", "", c[0]).strip(): c for c in cells}
    assert len(reported) == len(CHAPTERS)
    assert next(iter(reported)) == "Getting started"  # reading order, not alphabetical
    exercises = collections.Counter(e.chapter for e in EXERCISES.values())
    for title, row in reported.items():
        chapter = re.search(r'href="(?:\.\./)?([\w-]+)\.html"', row[0])
        assert chapter is not None, title
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row[1])
        assert float(row[2].split()[0]) > 0  # "12.1 (over its 12 s budget)" on a busy machine
        assert row[3] == "passed"
        assert int(row[4]) >= 8
        assert int(row[5]) == exercises[chapter[1]], (chapter[1], row[5])  # all graded
        assert row[6].startswith("JAX ")


def test_no_page_loads_anything_from_outside_the_site(built_book):
    external = re.compile(r"^(https?:)?//")
    for page in _html_pages(built_book.html):
        parser = _Resources()
        parser.feed(page.read_text())
        outside = [url for url in parser.urls if external.match(url)]
        assert not outside, f"{page.relative_to(built_book.html)} loads {outside}"
    for sheet in built_book.html.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", sheet.read_text()), sheet


def test_math_is_typeset_at_build_time_with_a_local_stylesheet(built_book):
    assert (built_book.html / "_static" / "katex" / "katex.min.css").is_file()
    page = (built_book.html / "getting-started.html").read_text()
    assert '<span class="katex">' in page
    assert '<link rel="stylesheet" type="text/css" href="_static/katex/katex.min.css' in page


def test_no_path_of_the_build_machine_is_published(built_book):
    forbidden = {str(ROOT), str(Path.home()) + "/", tempfile.gettempdir() + "/"}
    forbidden -= {"", "/"}
    texts = [
        p
        for p in built_book.html.rglob("*")
        if p.suffix in {".html", ".js", ".txt", ".ipynb", ".md", ".json"}
    ]
    for path in texts:
        text = path.read_text(errors="replace")
        leaked = [f for f in forbidden if f in text]
        assert not leaked, f"{path.relative_to(built_book.html)} contains {leaked}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_chapter_is_offered_as_a_notebook_with_its_outputs(built_book, name: str):
    page = (built_book.html / f"{name}.html").read_text()
    assert f"_sources/{name}.ipynb" in page  # in the download menu
    notebook = nbformat.read(built_book.html / "_sources" / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    source = (ROOT / "docs" / f"{name}.md").read_text()
    assert code[0].source.splitlines()[1].startswith("%pip install --quiet jax101@")
    assert len(code) == source.count("```{code-cell}") + 1  # the install cell, then the chapter
    shown = page.count('class="cell_output')  # cells whose outputs the page shows
    assert shown > 0
    assert sum(bool(cell.outputs) for cell in code) >= shown  # ...all travel with the notebook
    assert "source_map" not in notebook.metadata
    assert notebook.metadata.kernelspec.name == "python3"  # not the build's own kernel
