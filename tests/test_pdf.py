"""The PDF edition: the whole book in reading order, printed from the HTML build's outputs."""

from __future__ import annotations

import re
import runpy
import unicodedata
from pathlib import Path

import pytest
from booktools import ROOT
from chapter_cells import blocks
from make_pdf import PDF_NAME, PdfError, assemble, main

pytestmark = pytest.mark.slow

TITLE = re.compile(r"^# (.+)$", re.MULTILINE)
# autodiff.md: $\sigma(z) = 1/(1 + e^{-z})$, as the PDF's text layer reads it
KNOWN_FORMULA = "\u03c3(z) = 1/(1 + e"
RAW_TEX = re.compile(r"\\(frac|sigma|mathbf|sum|begin|partial)\b|\$\$")


def chapter_titles() -> list[str]:
    """The H1 title of every chapter in the index's toctrees (read from the sources)."""
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf8")
    names = re.findall(r"^([a-z][a-z-]+)$", index, re.MULTILINE)
    titles = []
    for name in names:
        text = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf8")
        prose = "\n".join(b.text for b in blocks(text) if b.kind == "prose")
        title = TITLE.search(prose)  # not a comment line of a code cell
        assert title, f"docs/{name}.md has no title"
        titles.append(re.sub(r"[`*]", "", title.group(1)))
    return titles


@pytest.fixture(scope="module")
def pdf_text(built_book) -> tuple[int, str]:
    """Print the session's book to PDF once; return its page count and text."""
    import pypdf  # noqa: PLC0415 (only these tests read PDFs)

    assert built_book.returncode == 0, built_book.log[-3000:]
    build = built_book.html.parent
    assert main([str(build)]) == 0
    reader = pypdf.PdfReader(build / "pdf" / PDF_NAME)
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = unicodedata.normalize("NFKC", text)  # the fonts' ligatures: "ﬀ" is "ff"
    return len(reader.pages), " ".join(text.split())


def test_every_chapter_is_in_the_pdf(pdf_text):
    titles = chapter_titles()
    assert len(titles) >= 15
    missing = [t for t in titles if " ".join(t.split()) not in pdf_text[1]]
    assert not missing


def test_the_math_is_typeset_not_raw_tex(pdf_text):
    assert KNOWN_FORMULA in pdf_text[1]
    assert not RAW_TEX.findall(pdf_text[1].replace("$...$", "").replace("$$ ... $$", ""))


def test_no_reference_is_left_undefined(pdf_text):
    assert "??" not in pdf_text[1]
    assert "undefined" not in pdf_text[1].lower()


def test_the_page_count_is_plausible(pdf_text):
    assert pdf_text[0] >= 100


def test_a_missing_html_build_is_refused(tmp_path: Path):
    with pytest.raises(PdfError, match="run `nox -s docs` first"):
        assemble(tmp_path / "nothing")


def fake_build(tmp_path: Path, log: str, returncode: int = 0) -> tuple[Path, str]:
    """A build folder with doctrees, and a stand-in for sphinx-build that prints ``log``."""
    build = tmp_path / "build"
    (build / "doctrees").mkdir(parents=True)
    (build / "doctrees" / "environment.pickle").write_bytes(b"")
    script = tmp_path / "fake-sphinx-build"
    script.write_text(f"#!/bin/sh\necho '{log}'\nexit {returncode}\n")
    script.chmod(0o755)
    return build, str(script)


def test_a_build_that_executes_a_chapter_again_is_refused(tmp_path: Path):
    build, sphinx = fake_build(tmp_path, "docs/jit.md: Executing notebook using local CWD")
    with pytest.raises(PdfError, match="executed a chapter again"):
        assemble(build, sphinx)


def test_a_failing_single_page_build_is_reported(tmp_path: Path):
    build, sphinx = fake_build(tmp_path, "docs/jit.md:3: WARNING: marker", returncode=1)
    with pytest.raises(PdfError, match="marker"):
        assemble(build, sphinx)


def test_the_index_links_the_pdf_where_the_pages_workflow_publishes_it(built_book):
    """The index's link is the site's address of the PDF; the workflow puts it there."""
    site = runpy.run_path(str(ROOT / "conf" / "conf.py"))["html_baseurl"]
    index = (built_book.html / "index.html").read_text()
    assert f'href="{site}{PDF_NAME}"' in index
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert f"cp build/pdf/{PDF_NAME} build/html/{PDF_NAME}" in workflow
