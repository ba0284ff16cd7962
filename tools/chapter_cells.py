"""The one reader of a MyST chapter's code cells, shared by every tool that looks at them.

A chapter is prose and fenced blocks. :func:`blocks` splits it the way MyST does (a fence
closes on a line of the same character, at least as long, with no info string; fences nest,
so a ```` ```{code-cell} ```` shown inside a ````` ```` ````` example is not a cell), and
:func:`cells` returns its ``{code-cell}`` blocks as :class:`Cell` records: where the cell is,
its options (``:tags: [...]`` lines or a ``---`` YAML block) and its source.

Users: ``tools/chapter_code.py`` (the chapter's code, line for line, for ruff),
``tests/chapter_scan.py`` (the chapter rules) and, for ordering chapters by the length of
their code, :func:`code_length`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
# IPython syntax at the start of a line: a line magic (%timeit), a cell magic (%%time), a
# shell escape (!ls) or help (np.sum?), alone or assigned (x = %timeit -o f(); y = !ls).
# Not a continuation line that starts with an operator (% 2, != b).
_MAGIC = re.compile(r"^(\s*)(?:([\w.]+(?:\s*,\s*[\w.]+)*)\s*=\s*)?(?:%%?[A-Za-z]|!(?!=))")
_HELP = re.compile(r"^\s*\??[\w.]+\?{1,2}\s*$")
# Cell magics whose body is Python, run by IPython (the others' bodies are shell, HTML...).
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
_YAML_KEY = re.compile(r"^([\w-]+):\s*(.*)$")
# Directives whose body is prose (scanned as prose by the chapter rules).
PROSE_DIRECTIVES = ("{admonition}", "{note}", "{tip}", "{warning}", "{important}")


@dataclass(frozen=True)
class Cell:
    """One ``{code-cell}`` of a chapter.

    ``line`` is the 1-based line of its opening fence; ``source`` is the code the kernel runs
    (the options removed), whose first line is line ``source_line`` of the chapter, so line
    ``k`` of ``source`` (1-based) is line ``source_line + k - 1`` of the chapter.
    """

    line: int
    source_line: int
    source: str
    options: dict[str, str] = field(default_factory=dict)  # top-level keys, raw values
    tags: tuple[str, ...] = ()

    def has_tag(self, tag: str) -> bool:
        """Tell whether the cell carries ``tag``."""
        return tag in self.tags


@dataclass(frozen=True)
class Block:
    """A piece of a chapter: ``"prose"``, ``"code-cell"`` or ``"fence"`` (any other fence).

    ``start`` is the line (1-based) of the block's first content line; for a code cell,
    ``text`` is its source with the option lines blanked, so the numbering is kept, and
    ``cell`` is its record.
    """

    kind: str
    start: int
    text: str
    cell: Cell | None = None


def blocks(source: str) -> Iterator[Block]:
    r"""Split MyST markdown into prose, code cells and other fences (front matter dropped).

    Examples:
        >>> page = "---\nk: v\n---\nSome text\n```{code-cell} ipython3\n:tags: [a]\nx = 1\n```\n"
        >>> [(b.kind, b.start, b.text) for b in blocks(page)]
        [('prose', 4, 'Some text'), ('code-cell', 6, '\nx = 1')]
        >>> [b.kind for b in blocks("````md\n```{code-cell}\nx\n```\n````\n")]
        ['fence']
    """
    lines = source.splitlines()
    i = 0
    if lines and lines[0].strip() == "---":
        i = next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), 0) + 1
    prose: list[str] = []
    prose_start = i + 1
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            prose.append(lines[i])
            i += 1
            continue
        if prose:
            yield Block("prose", prose_start, "\n".join(prose))
        fence_line = i + 1
        fence, info = opening.group(2), opening.group(3).strip()
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = _FENCE.match(lines[i])
            if closing and closing.group(2).startswith(fence) and not closing.group(3).strip():
                break
            body.append(lines[i])
            i += 1
        start = fence_line + 1
        if info.startswith("{code-cell}"):
            cell = _cell(fence_line, body)
            blanked = [""] * (cell.source_line - start) + cell.source.split("\n")
            yield Block("code-cell", start, "\n".join(blanked), cell)
        elif info.startswith(PROSE_DIRECTIVES):
            yield Block("prose", start, "\n".join(body))
        else:
            yield Block("fence", start, "\n".join(body))
        i += 1
        prose, prose_start = [], i + 1
    if prose:
        yield Block("prose", prose_start, "\n".join(prose))


def cells(source: str) -> list[Cell]:
    r"""Return the code cells of a MyST chapter, in order.

    Examples:
        >>> page = "# T\n```{code-cell} ipython3\n:tags: [remove-input, machine-dependent]\n"
        >>> page += "t = 1\n```\nText\n```{code-cell}\n---\nmystnb:\n  image: {}\n"
        >>> page += "tags:\n- hide-cell\n---\ny = 2\n```\n"
        >>> first, second = cells(page)
        >>> first.line, first.source_line, first.source, first.tags
        (2, 4, 't = 1', ('remove-input', 'machine-dependent'))
        >>> second.line, second.source_line, second.source, second.tags, sorted(second.options)
        (7, 14, 'y = 2', ('hide-cell',), ['mystnb', 'tags'])
        >>> first.has_tag("machine-dependent"), second.has_tag("machine-dependent")
        (True, False)
    """
    return [block.cell for block in blocks(source) if block.cell is not None]


def code_length(source: str) -> int:
    r"""Return how many characters of code a MyST chapter's cells hold (0 for a plain page).

    Examples:
        >>> code_length("Text\n```{code-cell} ipython3\n:tags: [x]\nx = 1\n```\nMore\n")
        5
        >>> code_length("# A page without cells\n")
        0
    """
    return sum(len(cell.source) for cell in cells(source))


def python_source(source: str) -> str:
    r"""Return a cell's source as plain Python, line for line (IPython syntax neutralized).

    A magic or shell line becomes ``pass`` (at its indentation, so a block stays a block),
    an assignment from one binds ``None``, and the body of a cell magic that is not Python
    (``%%bash``, ``%%html``) is blanked. The line count is kept.

    Examples:
        >>> python_source("%timeit f(x)\nfor k in r:\n    !ls\ny = %timeit -o f(x)\nz = x % 2")
        'pass\nfor k in r:\n    pass\ny = None\nz = x % 2'
        >>> python_source("%%timeit -n 3\nf(x)"), python_source("%%bash\nls -l")
        ('pass\nf(x)', 'pass\n')
        >>> python_source("%pip install numpy\nnp.sum?\nw = (x\n   != y)")
        'pass\npass\nw = (x\n   != y)'
    """
    lines = source.split("\n")
    first = lines[0].strip()
    if first.startswith("%%") and first[2:].split(" ")[0] not in PYTHON_CELL_MAGICS:
        return "\n".join(["pass"] + [""] * (len(lines) - 1))
    out = []
    for line in lines:
        magic = _MAGIC.match(line)
        if magic:
            out.append(magic[1] + (f"{magic[2]} = None" if magic[2] else "pass"))
        elif _HELP.match(line):
            out.append(line[: len(line) - len(line.lstrip())] + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def _cell(fence_line: int, body: list[str]) -> Cell:
    """Read a code cell's options (a ``---`` YAML block or ``:key: value`` lines)."""
    options: dict[str, str] = {}
    tags: list[str] = []
    k = 0
    if body and body[0].strip() == "---":
        end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), 0)
        key = ""
        for line in body[1:end]:
            match = _YAML_KEY.match(line)
            if match:  # a top-level key (not indented)
                key = match[1]
                options[key] = match[2].strip()
                if key == "tags":
                    tags += _flow_list(match[2])
            elif key == "tags" and line.strip().startswith("- "):
                tags.append(line.strip()[2:].strip().strip("'\""))
            elif key:
                options[key] = (options[key] + "\n" + line).strip()
        k = end + 1
    while k < len(body) and (match := _OPTION.match(body[k])):
        options[match[1]] = match[2].strip()
        if match[1] == "tags":
            tags += _flow_list(match[2])
        k += 1
    return Cell(fence_line, fence_line + 1 + k, "\n".join(body[k:]), options, tuple(tags))


def _flow_list(value: str) -> list[str]:
    """``[a, 'b']`` -> ``["a", "b"]`` (the YAML flow lists cell tags are written as)."""
    inner = value.strip().removeprefix("[").removesuffix("]")
    return [item.strip().strip("'\"") for item in inner.split(",") if item.strip()]
