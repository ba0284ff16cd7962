"""The execution cache re-executes exactly what an edit can change, and nothing is stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from booktools import ROOT, chapter, executed, sphinx_build, write_book

pytestmark = pytest.mark.slow

CHAPTERS = {
    "first": chapter(
        "First",
        "import jax101",
        "print('first says', jax101.BOOK_MARKER)",
        prose="Prose of the first chapter.\n",
    ),
    "second": chapter(
        "Second",
        "import jax101",
        "print('second says', jax101.BOOK_MARKER)",
        "print('timing:', jax101.Timing(0.5, 0.25, (0.25, 0.75)))",
        "from myst_nb import glue\nglue('second_total', 2 + 2, display=False)",
        prose="The total is {glue:text}`second_total`.\n",
    ),
}


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A two-chapter book built once, against a private copy of the jax101 sources."""
    package = tmp_path / "src" / "jax101"
    shutil.copytree(ROOT / "src" / "jax101", package, ignore=shutil.ignore_patterns("__pycache__"))
    with (package / "__init__.py").open("a") as init:
        init.write('\nBOOK_MARKER = "original"\n')
    write_book(tmp_path / "docs", CHAPTERS)
    env = {"PYTHONPATH": str(tmp_path / "src")}  # the copy shadows the installed package
    cold = sphinx_build(tmp_path / "docs", tmp_path / "build", env=env)
    assert cold.returncode == 0, cold.stderr
    assert executed(cold.stdout + cold.stderr) == {"first", "second"}
    return tmp_path, env


def rebuild(root: Path, env: dict[str, str]) -> set[str]:
    result = sphinx_build(root / "docs", root / "build", env=env)
    assert result.returncode == 0, result.stderr
    return executed(result.stdout + result.stderr)


def test_no_op_rebuild_executes_nothing(book: tuple[Path, dict[str, str]]):
    assert rebuild(*book) == set()


def test_a_page_read_again_from_the_cache_keeps_its_glued_values(
    book: tuple[Path, dict[str, str]],
):
    root, env = book
    shutil.rmtree(root / "build" / "doctrees")  # every page is read again, from the cache
    assert rebuild(root, env) == set()
    page = (root / "build" / "html" / "second.html").read_text()
    assert 'The total is <span class="pasted-text">4</span>' in page


def test_prose_edit_executes_nothing(book: tuple[Path, dict[str, str]]):
    root, env = book
    page = root / "docs" / "first.md"
    page.write_text(page.read_text().replace("Prose of the first", "Edited prose of the first"))
    assert rebuild(root, env) == set()
    assert "Edited prose" in (root / "build" / "html" / "first.html").read_text()


def test_code_edit_executes_only_that_chapter(book: tuple[Path, dict[str, str]]):
    root, env = book
    page = root / "docs" / "second.md"
    page.write_text(page.read_text().replace("'second says'", "'second now says'"))
    assert rebuild(root, env) == {"second"}
    assert "second now says" in (root / "build" / "html" / "second.html").read_text()


def test_package_edit_reexecutes_and_refreshes_outputs(book: tuple[Path, dict[str, str]]):
    root, env = book
    init = root / "src" / "jax101" / "__init__.py"
    init.write_text(init.read_text().replace('"original"', '"edited"'))
    assert rebuild(root, env) == {"first", "second"}
    for name in ("first", "second"):
        html = (root / "build" / "html" / f"{name}.html").read_text()
        assert "says edited" in html
        assert "says original" not in html


def test_module_edit_reexecutes_only_the_chapters_that_use_it(book: tuple[Path, dict[str, str]]):
    root, env = book
    timing = root / "src" / "jax101" / "_timing.py"
    timing.write_text(timing.read_text().replace(" median of ", " middle of "))
    assert rebuild(root, env) == {"second"}  # only second uses jax101.Timing
    html = (root / "build" / "html" / "second.html").read_text()
    assert "middle of 2" in html
    assert "median of 2" not in html  # no stale output


def test_comment_only_module_edit_reexecutes_nothing(book: tuple[Path, dict[str, str]]):
    root, env = book
    checks = root / "src" / "jax101" / "_checks.py"
    checks.write_text(checks.read_text().replace("import re\n", "import re  # a comment\n", 1))
    assert rebuild(root, env) == set()


def test_a_module_every_chapter_reaches_reexecutes_every_chapter(
    book: tuple[Path, dict[str, str]],
):
    root, env = book
    checks = root / "src" / "jax101" / "_checks.py"  # the provenance of every chapter
    checks.write_text(checks.read_text() + "\nEDITED = True\n")
    assert rebuild(root, env) == {"first", "second"}
