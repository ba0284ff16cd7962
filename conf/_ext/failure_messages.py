"""What a contributor reads when a chapter fails: which cell, how, and what to do.

Each message names the cell (its number and first line), the error, the chapter's own
frames of the traceback and the fix; the warning's location gives ``docs/FILE.md:LINE``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

import nb_adapter

KERNELSPEC_ADVICE = (
    "the front matter names no kernelspec, so a reader's Jupyter would have to guess the "
    "kernel.\nWhat to do: add to the front matter, as every chapter has it:\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3"
)

ADVICE = {
    "CheckFailed": "a claim of the chapter no longer holds: fix the code, the prose or the "
    "expected value",
    "DeprecationWarning": "the chapter uses a deprecated API (warnings are errors in chapter "
    "cells): use its replacement",
    "FutureWarning": "the chapter relies on behaviour that will change (warnings are errors "
    "in chapter cells): write it the new way",
}
DEFAULT_ADVICE = (
    "fix the cell; if the error is what the chapter shows, wrap the code in "
    "`with jax101.expect_error(TYPE, match=..., claim=...):`"
)
TIMEOUT_ADVICE = (
    "make the cell faster (smaller examples), or give this chapter more time in its front "
    "matter:\n    mystnb:\n      execution_timeout: SECONDS"
)
GLUE_KEY_MESSAGE = (
    "the text uses the glue key {key!r}, which no cell of this chapter glues\n"
    "What to do: glue it in a code cell, `glue({key!r}, value, display=False)`, or fix the "
    "name (a key glued by another chapter is written `chapter::{key}`)"
)
TRACEBACK_LINES = 8


def failure_message(
    notebook: nbformat.NotebookNode, exec_data: dict[str, Any], report: Path
) -> tuple[str, int | None]:
    r"""Say which cell of a failed chapter failed, how, and what to do; and the cell's line.

    Args:
        notebook: The chapter as executed (outputs up to the failing cell).
        exec_data: myst-nb's execution record of it (``error``, ``traceback``).
        report: Where the full traceback is kept.

    Returns:
        The message (without the file name, which the warning's location gives) and the
        line of the failing cell in the chapter's source (None when unknown).

    Examples:
        >>> cell = nbformat.v4.new_code_cell("x = 1\nx / 0")
        >>> cell.outputs = [nbformat.v4.new_output(
        ...     "error", ename="ZeroDivisionError", evalue="division by zero",
        ...     traceback=["Traceback", "ZeroDivisionError: division by zero"])]
        >>> notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"source_map": [7]})
        >>> text, line = failure_message(notebook, {"error": "CellExecutionError"},
        ...                              Path("reports/ch.err.log"))
        >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
        cell 1 (`x = 1`) raised ZeroDivisionError: division by zero
            Traceback
            ZeroDivisionError: division by zero
        What to do: fix the cell; if the error is what the chapter shows, wrap the code in
        `with jax101.expect_error(TYPE, match=..., claim=...):`
        (full traceback: reports/ch.err.log)
        >>> line
        7
    """
    cells = list(nb_adapter.code_cells(notebook))
    source_map = notebook.metadata.get("source_map") or []
    index = {id(cell): i for i, cell in enumerate(notebook.cells)}
    failing = next(
        (
            (number, cell, output)
            for number, cell in cells
            for output in cell.get("outputs", [])
            if output.get("output_type") == "error"
        ),
        None,
    )
    error = exec_data.get("error") or "an error"
    if error == "CellTimeoutError":  # nbclient interrupts the cell: KeyboardInterrupt
        number, cell = (
            failing[:2] if failing else _timed_out_cell(cells, exec_data.get("traceback") or "")
        )
        limit = re.search(r"after (\d+) seconds", exec_data.get("traceback") or "")
        what = f"ran past its time limit{f' of {limit[1]} s' if limit else ''}"
        advice = TIMEOUT_ADVICE
        details: list[str] = []
    elif failing is None:
        number, cell = 0, None
        what, advice, details = "", "", []
    else:
        number, cell, output = failing
        what = f"raised {output['ename']}: {output['evalue']}"
        advice = ADVICE.get(output["ename"], DEFAULT_ADVICE)
        details = traceback_excerpt(output.get("traceback", []))
    if cell is None:
        return f"the chapter failed to execute ({error})\nWhat to do: see {report}", None
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    at = index[id(cell)]
    line = source_map[at] if at < len(source_map) else None
    lines = [f"cell {number} (`{first_line}`) {what}", *(f"    {d}" for d in details)]
    lines += [f"What to do: {advice}", f"(full traceback: {report})"]
    return "\n".join(lines), line


def traceback_excerpt(chunks: list[str]) -> list[str]:
    r"""Return the lines of an IPython traceback that show the chapter's own code.

    IPython gives one chunk per frame; a frame in a chapter cell starts ``Cell In[N]``. The
    frames inside libraries (``jax101``'s checks, JAX itself) and the closing exception line
    repeat what the message already says, so only the chapter's frames are kept. A
    traceback without any (a syntax error, say) keeps its last ``TRACEBACK_LINES`` lines.

    Examples:
        >>> chunks = ["----", "CheckFailed   Traceback (most recent call last)",
        ...           "Cell In[1], line 2\n      1 import jax101\n----> 2 jax101.check(False)",
        ...           "File _checks.py:93, in check\n---> 93 raise _fail()",
        ...           "CheckFailed: Claim failed"]
        >>> traceback_excerpt(chunks)
        ['Cell In[1], line 2', '      1 import jax101', '----> 2 jax101.check(False)']
        >>> traceback_excerpt(["Traceback", "ZeroDivisionError: division by zero"])
        ['Traceback', 'ZeroDivisionError: division by zero']
    """
    own = [chunk for chunk in chunks if chunk.startswith("Cell In[")]  # the kernel has no colours
    lines = [line for chunk in own or chunks for line in chunk.splitlines()]
    return lines if own else lines[-TRACEBACK_LINES:]


def _timed_out_cell(cells: list[tuple[int, Any]], traceback: str) -> tuple[int, Any]:
    preview = traceback.split("Here is a preview of the cell contents:", 1)[-1]
    for number, cell in cells:
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else None
        if first and first in preview:
            return number, cell
    unfinished = [(n, c) for n, c in cells if c.get("execution_count") is None]
    return unfinished[0] if unfinished else (0, None)


def yaml_problem(text: str) -> str:
    r"""Say what is wrong with the YAML front matter of a chapter's source, or "".

    Examples:
        >>> yaml_problem("---\ntitle: [open\n---\n# T\n").startswith("while parsing")
        True
        >>> yaml_problem("---\ntitle: fine\n---\n")
        ''
    """
    import yaml  # noqa: PLC0415 - PyYAML comes with myst-parser

    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return ""
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), len(lines))
    try:
        yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        return " ".join(str(error).split())
    return ""


def front_matter_message(path: Path) -> str:
    """Say that a chapter's front matter is not valid YAML, why, and what to do."""
    problem = yaml_problem(path.read_text(encoding="utf8")) if path.is_file() else ""
    return (
        f"the front matter (between the first two --- lines) is not valid YAML: {problem}\n"
        "What to do: fix it; the front matter of any chapter in docs/ is a model to copy."
    )
