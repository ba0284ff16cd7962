"""Print a MyST chapter's code cells as one Python file whose line numbers are the chapter's.

``nox -s lint`` pipes it to ``ruff check --stdin-filename docs/NAME.md`` so every finding
(a line over 88 characters, a name used before any cell defines it, a syntax error) points
at the line of the chapter itself. Everything outside a ``{code-cell}`` fence, and the
cell's ``:option:`` lines, become blank lines; IPython lines (``%timeit``, ``!ls``) become
``pass``. The cells are read by ``tools/chapter_cells.py``.

Usage: ``python tools/chapter_code.py docs/NAME.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chapter_cells import cells, python_source


def chapter_code(text: str) -> str:
    r"""Return the code cells of a MyST chapter, every other line blanked.

    IPython lines (``%timeit``, ``!ls``) become ``pass`` (see
    :func:`chapter_cells.python_source`), so ruff sees plain Python.

    Examples:
        >>> src = "# Title\n```{code-cell} ipython3\n:tags: [x]\n\nx = 1\n```\nProse\n"
        >>> chapter_code(src).splitlines()
        ['', '', '', '', 'x = 1', '', '']
        >>> chapter_code("```{code-cell}\n---\nmystnb: {}\n---\ny = 2\n```\n").splitlines()
        ['', '', '', '', 'y = 2', '']
        >>> chapter_code("```{code-cell}\n%timeit f(1)\n```\n").splitlines()
        ['', 'pass', '']
    """
    out = [""] * len(text.splitlines())
    for cell in cells(text):
        for k, line in enumerate(python_source(cell.source).split("\n")):
            out[cell.source_line - 1 + k] = line
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(chapter_code(Path(sys.argv[1]).read_text(encoding="utf8")))
