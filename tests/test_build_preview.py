"""``--only NAME`` previews one chapter: it fails on that chapter's errors only, says nothing
about the chapters it did not execute, and leaves the full build's pages as they were."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from booktools import chapter, executed, sphinx_build, write_book
from sphinx_command import output_folder

pytestmark = pytest.mark.slow

GOOD = (
    chapter(
        "Good",
        "from myst_nb import glue\nglue('marker_good', 6 * 7)",
        prose="",
    )
    + "\nThe value is {glue:text}`marker_good`.\n"
)
OTHER = (
    chapter("Other", "from myst_nb import glue\nglue('marker_other', 1)")
    + "\nOther says {glue:text}`marker_other`.\n"
)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-chapter book with a full build in build/html."""
    root = tmp_path_factory.mktemp("preview")
    write_book(root / "docs", {"good": GOOD, "other": OTHER})
    full = sphinx_build(root / "docs", root / "build")
    assert full.returncode == 0, full.stdout[-3000:] + full.stderr[-3000:]
    return root


def test_a_preview_executes_only_its_chapter_and_keeps_the_full_build(book: Path):
    other_page = book / "build" / "html" / "other.html"
    before = other_page.read_text()
    page = book / "docs" / "good.md"
    page.write_text(page.read_text().replace("6 * 7", "6 * 8"))
    other = book / "docs" / "other.md"
    other.write_text(other.read_text() + "\nStill {glue:text}`marker_never_glued`.\n")
    result = sphinx_build(book / "docs", book / "build", only="good")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert executed(log) == {"good"}
    assert "Excluded from execution" not in log  # myst-nb's line for each other page
    assert log.count("the other 2 pages are not executed") == 1
    # no warning about the chapter it did not execute (its glue key is undefined now)
    assert not [line for line in log.splitlines() if "other.md" in line and "WARNING" in line]
    preview = output_folder(book / "build", "good") / "good.html"
    assert '<span class="pasted-text">48' in preview.read_text()
    assert other_page.read_text() == before  # the full build's page is untouched
    assert "How this page was made." in preview.read_text()


def test_a_preview_fails_on_its_own_chapters_error(book: Path):
    page = book / "docs" / "good.md"
    text = re.sub(r"glue\('marker_good', 6 \* \d\)", "1 / 0", page.read_text())  # any order
    assert "1 / 0" in text
    page.write_text(text)
    result = sphinx_build(book / "docs", book / "build", only="good")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "good.md" in log
    assert "raised ZeroDivisionError" in log


def test_a_preview_reports_a_math_typo_without_a_crash_report(book: Path):
    page = book / "docs" / "good.md"
    page.write_text(GOOD + "\nHalf is $\\fracc{1}{2}$ here.\n")
    result = sphinx_build(book / "docs", book / "build", only="good")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    line = page.read_text().splitlines().index("Half is $\\fracc{1}{2}$ here.") + 1
    assert re.search(rf"/good\.md:{line}: WARNING: KaTeX cannot typeset the formula `\\fracc", log)
    assert "please open an issue" not in log
    assert "KaTeXError" not in log
