"""The downloaded notebook puts each exercise's solution after the learner's own attempt.

A chapter collapses a solution below its exercise's stub and grading cell; a notebook cannot,
so ``notebook_download.solutions_last`` moves the cells tagged ``solution`` to a final
"Solutions" section. These tests use small notebooks; ``test_the_built_notebooks_put_the
_solutions_last`` checks the real chapters.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from jax101.exercises import EXERCISES
from notebook_download import SOLUTION_TAG, solutions_last


def code(source: str, *tags: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells]


def test_each_solution_moves_under_its_exercise_heading_in_order():
    notebook = nbformat.v4.new_notebook(
        cells=[
            code('g = None\ngrade("ch/1", g)'),
            code("def g(): ...", "hide-cell", SOLUTION_TAG),
            code("g_helper = 1", SOLUTION_TAG),  # a solution in two cells
            code('check(jax101.exercises.grade("ch/1", g).passed)', "remove-cell", SOLUTION_TAG),
            nbformat.v4.new_markdown_cell("Exercise 2 uses g."),
            code('h = None\ngrade("ch/2", h)'),
            code("h = g", SOLUTION_TAG),
            code("check(jax101.exercises.grade('ch/2', h).passed)", SOLUTION_TAG),
        ]
    )
    moved = sources(solutions_last(notebook))
    attempts = ['g = None\ngrade("ch/1", g)', "Exercise 2 uses g.", 'h = None\ngrade("ch/2", h)']
    assert moved[:3] == attempts
    assert moved[3].startswith("## Solutions")
    assert moved[4:8] == ["### Exercise 1", "def g(): ...", "g_helper = 1", moved[7]]
    assert moved[8:] == ["### Exercise 2", "h = g", notebook.cells[-1].source]
    assert len(sources(notebook)) == 8  # the notebook given is left as it was


def test_a_notebook_without_solutions_is_unchanged():
    notebook = nbformat.v4.new_notebook(cells=[code("x = 1", "hide-cell")])
    assert solutions_last(notebook) == notebook


def test_a_solution_that_no_grading_cell_closes_is_named():
    notebook = nbformat.v4.new_notebook(cells=[code("answer = 42", SOLUTION_TAG)])
    with pytest.raises(ValueError, match="after the last one that grades an answer: 'answer = 42'"):
        solutions_last(notebook)


@pytest.mark.slow
def test_the_built_notebooks_put_the_solutions_last(built_book):
    """In every chapter's notebook the stub and grader of each exercise precede the solutions."""
    for chapter in sorted({exercise.chapter for exercise in EXERCISES.values()}):
        path = built_book.html / "_sources" / f"{chapter}.ipynb"
        cells = json.loads(path.read_text())["cells"]
        text = ["".join(cell["source"]) for cell in cells]
        start = text.index(next(t for t in text if t.startswith("## Solutions")))
        tagged = [i for i, c in enumerate(cells) if SOLUTION_TAG in c["metadata"].get("tags", [])]
        assert tagged, chapter
        assert min(tagged) > start, chapter
        ids = sorted(e for e in EXERCISES if e.startswith(chapter + "/"))
        for exercise_id in ids:
            stub = re.compile(rf"exercises\.grade\(\"{exercise_id}\", [^\n]+\);")
            assert any(stub.search(t) for t in text[:start]), (chapter, exercise_id)
        headings = [t for t in text[start:] if t.startswith("### Exercise ")]
        assert headings == [f"### Exercise {i.rsplit('/', 1)[1]}" for i in ids], chapter
