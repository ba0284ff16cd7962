"""Compare the executed chapters of two builds of the book, cell by cell.

Each build publishes every executed chapter as ``<build>/html/_sources/<page>.ipynb``, with
the outputs (glued values included: they are outputs of the cells that glue them). A cell
whose outputs differ between the builds must be tagged ``machine-dependent`` in its chapter
(timings, speedups, anything derived from a clock); any other difference is a bug in the
chapter (an unseeded random number, an ordering that is not fixed, a temporary path).

Usage (``nox -s reproducibility`` builds twice and runs it):
``python tools/reproducibility.py BUILD_A BUILD_B``. Exit status 1 when an untagged cell
differs (or a chapter is missing from one build), 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

MACHINE_DEPENDENT = "machine-dependent"  # the tag of cells whose outputs may vary run to run
# Cells the build adds to a chapter's notebook: the download's install cell (its id) and the
# provenance cell (conf/_ext/execution.py's PROVENANCE_TAG; the download already drops it).
BUILD_CELL_IDS = ("install",)
BUILD_CELL_TAGS = ("jax101-provenance",)


class Cell(NamedTuple):
    """One code cell of an executed chapter: its number, first line, tags and outputs."""

    number: int
    first_line: str
    tags: tuple[str, ...]
    outputs: list[Any]


def code_cells(notebook: dict[str, Any]) -> list[Cell]:
    r"""Return a notebook's own code cells, numbered from 1, without the cells the build adds.

    Examples:
        >>> install = {"cell_type": "code", "id": "install", "source": "%pip install x"}
        >>> cell = {"cell_type": "code", "source": ["x = 1\n", "x"], "outputs": [],
        ...         "metadata": {"tags": ["machine-dependent"]}}
        >>> code_cells({"cells": [install, cell]})
        [Cell(number=1, first_line='x = 1', tags=('machine-dependent',), outputs=[])]
    """
    cells = []
    for cell in notebook["cells"]:
        tags = tuple(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] != "code" or cell.get("id") in BUILD_CELL_IDS:
            continue
        if any(tag in BUILD_CELL_TAGS for tag in tags):
            continue
        source = cell["source"]
        text = source if isinstance(source, str) else "".join(source)
        first = text.strip().splitlines()[0] if text.strip() else ""
        cells.append(Cell(len(cells) + 1, first, tags, merged(cell.get("outputs", []))))
    return cells


def merged(outputs: list[Any]) -> list[Any]:
    r"""Return ``outputs`` with consecutive writes to one stream joined, as the page shows them.

    The kernel sends a cell's prints in chunks that depend on timing (``nb_merge_streams``
    joins them on the page), so only the joined text is compared.

    Examples:
        >>> chunks = [{"output_type": "stream", "name": "stdout", "text": "typed:"},
        ...           {"output_type": "stream", "name": "stdout", "text": [" (3,)\\n"]}]
        >>> merged(chunks)
        [{'output_type': 'stream', 'name': 'stdout', 'text': 'typed: (3,)\\n'}]
    """
    joined: list[Any] = []
    for output in outputs:
        text = output.get("text", "")
        text = text if isinstance(text, str) else "".join(text)
        last = joined[-1] if joined else {}
        stream = output.get("output_type") == "stream"
        if stream and last.get("output_type") == "stream" and last["name"] == output["name"]:
            last["text"] += text
            continue
        joined.append({**output, "text": text} if stream else output)
    return joined


def differing(first: list[Cell], second: list[Cell]) -> Iterator[Cell]:
    """Yield the cells of ``first`` whose outputs differ from the same cell's in ``second``.

    Examples:
        >>> a = [Cell(1, "t = time()", (), ["0.12 s"]), Cell(2, "1 + 1", (), ["2"])]
        >>> b = [Cell(1, "t = time()", (), ["0.15 s"]), Cell(2, "1 + 1", (), ["2"])]
        >>> [cell.number for cell in differing(a, b)]
        [1]
    """
    for one, other in zip(first, second, strict=True):
        if one.outputs != other.outputs:
            yield one


def notebooks(build: Path) -> dict[str, Path]:
    """Return a build's executed chapters, by page name (``appendix/api``, ``jit``)."""
    sources = build / "html" / "_sources"
    return {p.relative_to(sources).with_suffix("").as_posix(): p for p in sources.rglob("*.ipynb")}


def compare(first: Path, second: Path) -> int:
    """Print every cell whose outputs differ between two builds; return the exit status."""
    pages, others = notebooks(first), notebooks(second)
    status = 0
    if missing := sorted(set(pages) ^ set(others)):
        print(f"chapters executed in only one build: {', '.join(missing)}")
        status = 1
    if not pages:
        print(f"no executed chapters in {first / 'html' / '_sources'}")
        return 1
    compared, tagged = 0, []
    for page in sorted(set(pages) & set(others)):
        cells, again = _cells(pages[page]), _cells(others[page])
        if [c.first_line for c in cells] != [c.first_line for c in again]:
            print(f"{page}: the two builds executed different cells")
            status = 1
            continue
        compared += len(cells)
        changed = {cell.number for cell in differing(cells, again)}
        for cell in cells:
            label = f"{page} cell {cell.number}: {cell.first_line}"
            if MACHINE_DEPENDENT in cell.tags:
                tagged.append(label + (" (differed)" if cell.number in changed else ""))
            elif cell.number in changed:
                print(f"DIFFERS  {label}")
                status = 1
    print(f"{compared} cells compared in {len(pages)} chapters.")
    print(f"{len(tagged)} cells tagged {MACHINE_DEPENDENT!r}:", *tagged, sep="\n  ")
    if status:
        print(f"Fix the cells that differ, or tag them {MACHINE_DEPENDENT!r} if they show timings.")
    return status


def _cells(path: Path) -> list[Cell]:
    return code_cells(json.loads(path.read_text(encoding="utf8")))


def main(argv: list[str]) -> int:
    """Compare the two builds named in ``argv``."""
    if len(argv) != 2:
        print(__doc__)
        return 2
    return compare(Path(argv[0]), Path(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
