"""The one reader of chapter code cells (``tools/chapter_cells.py``) and its users agree."""

from __future__ import annotations

import ast
import doctest

import chapter_cells
import pytest
from booktools import ROOT
from chapter_cells import blocks, cells, code_length, python_source
from chapter_code import chapter_code

CHAPTERS = sorted((ROOT / "docs").glob("**/*.md"))


def test_the_examples_in_the_docstrings_hold():
    result = doctest.testmod(chapter_cells)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_cell_is_where_the_chapter_has_it(path):
    """Each cell's source is at its line in the file, and chapter_code puts it there too."""
    lines = path.read_text(encoding="utf8").splitlines()
    code = chapter_code("\n".join(lines)).splitlines()
    for cell in cells("\n".join(lines)):
        assert lines[cell.line - 1].lstrip("`").startswith("{code-cell}")
        source = cell.source.split("\n")
        assert lines[cell.source_line - 1 : cell.source_line - 1 + len(source)] == source
        python = python_source(cell.source).split("\n")
        assert code[cell.source_line - 1 : cell.source_line - 1 + len(python)] == python
        ast.parse(python_source(cell.source))  # every chapter cell is Python once read


def test_a_cell_shown_inside_an_example_fence_is_not_a_cell():
    page = "Text\n````markdown\n```{code-cell} ipython3\nx = 1\n```\n````\n"
    assert cells(page) == []
    assert [block.kind for block in blocks(page)] == ["prose", "fence"]
    assert code_length(page) == 0


def test_options_in_both_forms_give_the_same_tags():
    short = "```{code-cell} ipython3\n:tags: [remove-input, machine-dependent]\nx = 1\n```\n"
    long = "```{code-cell} ipython3\n---\ntags: [remove-input, machine-dependent]\n---\n"
    long += "x = 1\n```\n"
    block = "```{code-cell}\n---\nmystnb:\n  figure:\n    name: f\ntags:\n- remove-input\n"
    block += "- machine-dependent\n---\nx = 1\n```\n"
    assert [c.tags for c in cells(short + long + block)] == [
        ("remove-input", "machine-dependent")
    ] * 3
    assert all(c.source == "x = 1" for c in cells(short + long + block))


def test_ipython_lines_become_python_and_keep_the_numbering():
    source = "%%time\nfor k in range(3):\n    %timeit f(k)\nout = !ls\n%pip install x\nnp.sum?"
    python = python_source(source)
    assert len(python.split("\n")) == len(source.split("\n"))
    tree = ast.parse(python)
    assert [type(node).__name__ for node in tree.body] == ["Pass", "For", "Assign", "Pass", "Pass"]
    assert python_source("%%html\n<b>not python</b>") == "pass\n"
