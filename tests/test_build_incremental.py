"""An incremental build is right and quiet: after adding, reordering, removing or retitling a
chapter every page's navigation matches a fresh build's; a no-op build names no configuration
change; a long cell says it is still running."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from booktools import chapter, sphinx_build, write_book

pytestmark = pytest.mark.slow

SIDEBAR = re.compile(r'<nav class="bd-links bd-docs-nav".*?</nav>', re.DOTALL)
PREV_NEXT = re.compile(r'<div class="prev-next-area">.*?</footer>', re.DOTALL)


def page(title: str) -> str:
    """A page of prose only: nothing to execute."""
    return f"# {title}\n\nSome prose about {title.lower()}.\n"


def navigation(html: Path) -> dict[str, list[str]]:
    """Return each page's sidebar and previous/next links, whitespace normalised."""
    found = {}
    for path in sorted(html.glob("*.html")):
        if path.stem in {"genindex", "search"}:
            continue
        text = path.read_text()
        parts = [SIDEBAR.search(text), PREV_NEXT.search(text)]
        found[path.stem] = [" ".join(m[0].split()) if m else "" for m in parts]
    return found


def build(root: Path, folder: str = "build") -> str:
    result = sphinx_build(root / "docs", root / folder)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return log


def assert_same_as_fresh(root: Path) -> None:
    shutil.rmtree(root / "fresh", ignore_errors=True)
    build(root, "fresh")
    incremental, fresh = navigation(root / "build" / "html"), navigation(root / "fresh" / "html")
    assert set(incremental) >= set(fresh)
    for name in fresh:
        assert incremental[name] == fresh[name], name


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book of three prose chapters, built once; the tests below edit it in turn."""
    root = tmp_path_factory.mktemp("incremental")
    write_book(root / "docs", {"one": page("One"), "two": page("Two"), "three": page("Three")})
    build(root)
    return root


def test_navigation_after_adding_a_chapter_matches_a_fresh_build(book: Path):
    (book / "docs" / "new.md").write_text(page("New"))
    index = book / "docs" / "index.md"
    index.write_text(index.read_text().replace("one\n", "one\nnew\n"))
    build(book)
    assert 'href="new.html"' in (book / "build" / "html" / "one.html").read_text()
    assert_same_as_fresh(book)


def test_navigation_after_reordering_removing_and_retitling_matches_a_fresh_build(book: Path):
    index = book / "docs" / "index.md"
    index.write_text(index.read_text().replace("one\nnew\ntwo\nthree\n", "three\nnew\none\n"))
    (book / "docs" / "two.md").unlink()
    (book / "docs" / "new.md").write_text(page("Renamed"))
    build(book)
    assert_same_as_fresh(book)


def test_a_no_op_build_names_no_configuration_change_and_a_change_is_named(book: Path):
    log = build(book)
    assert "configuration has changed" not in log
    assert "configuration changed" not in log
    changed = sphinx_build(book / "docs", book / "build", options={"html_title": "Other"})
    # html_short_title follows html_title
    said = "configuration changed since the last build (2: 'html_short_title', 'html_title')"
    assert said in changed.stdout


def test_a_long_cell_says_it_is_still_running_and_its_chapter_is_over_budget(tmp_path: Path):
    slow = chapter("Slow", "x = 1", "import time\ntime.sleep(2.5)")
    write_book(tmp_path / "docs", {"slow": slow, "report": "# Report\n\n```{build-report}\n```\n"})
    options = {"jax101_progress_interval": "1", "jax101_time_budget": "1"}
    result = sphinx_build(tmp_path / "docs", tmp_path / "build", options=options)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]  # over budget is no error, even under -W
    lines = [line for line in log.splitlines() if "still running" in line]
    assert any(
        line.endswith("slow.md: cell 2 (`import time`) still running after 1 s") for line in lines
    )
    assert any(
        line.endswith("slow.md: cell 2 (`import time`) still running after 2 s") for line in lines
    )
    assert all("cell 2" in line for line in lines), lines  # the quick cell never shows
    over = [line for line in log.splitlines() if "over its time budget" in line]
    assert len(over) == 1, log[-3000:]
    assert re.search(
        r"slow\.md: over its time budget: its cells took \d+\.\d s, its budget is 1 s", over[0]
    )
    assert "WARNING" not in log
    assert "(over its 1 s budget)" in (tmp_path / "build" / "html" / "report.html").read_text()
