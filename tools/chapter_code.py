"""Print a MyST chapter's code cells as one Python file whose line numbers are the chapter's.

``nox -s lint`` pipes it to ``ruff check --stdin-filename docs/NAME.md`` so every finding
(a line over 88 characters, a name used before any cell defines it, a syntax error) points
at the line of the chapter itself. Everything outside a ``{code-cell}`` fence, and the
cell's ``:option:`` lines, become blank lines.

Usage: ``python tools/chapter_code.py docs/NAME.md``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^(`{3,})\{code-cell\}")
OPTION = re.compile(r"^:[\w-]+:")


def chapter_code(text: str) -> str:
    r"""Return the code cells of a MyST chapter, every other line blanked.

    Examples:
        >>> src = "# Title\n```{code-cell} ipython3\n:tags: [x]\n\nx = 1\n```\nProse\n"
        >>> chapter_code(src).splitlines()
        ['', '', '', '', 'x = 1', '', '']
        >>> chapter_code("```{code-cell}\n---\nmystnb: {}\n---\ny = 2\n```\n").splitlines()
        ['', '', '', '', 'y = 2', '']
    """
    out: list[str] = []
    closing = ""
    state = ""  # "header": right after the fence; "yaml": inside a --- options block
    for line in text.splitlines():
        if not closing:
            match = FENCE.match(line)
            if match:
                closing, state = match[1], "header"
            out.append("")
        elif line.strip() == closing:
            closing, state = "", ""
            out.append("")
        elif state == "yaml":
            state = "header" if line.strip() == "---" else "yaml"
            out.append("")
        elif state == "header" and line.strip() == "---":
            state = "yaml"
            out.append("")
        elif state == "header" and (OPTION.match(line) or not line.strip()):
            out.append("")
        else:
            state = ""
            out.append(line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(chapter_code(Path(sys.argv[1]).read_text(encoding="utf8")))
