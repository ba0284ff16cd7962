"""Sphinx extension: which JAX the book is true for, and the records of runs against others.

``{book-versions}`` says which JAX, jaxlib and Python this build's chapters ran with (their
kernels' provenance records, filled in once every chapter is read) and whether those are
the versions ``uv.lock`` pins; a page that uses it is re-read whenever a chapter is.

``{compat-records}`` renders compatibility records.

A record (``tools/compat.py --record FILE``, committed under ``docs/_data/compat/``) says
how the chapters fared against some JAX, jaxlib and backend: versions, devices, date, and
per chapter passed or failed with the first failing claim. The directive's argument is the
records' folder, relative to the source folder; each record becomes a section (newest
first) with a table of its chapters. With no record, it says so. A record that is not in
the format ``tools/compat.py`` writes is a warning (an error under ``-W``) naming the file.
Adding or changing a record rebuilds the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from provenance import locked_versions, provenance_of, versions_text

logger = logging.getLogger(__name__)

FORMAT = 1  # the record format this page reads (tools/compat.py's FORMAT)
REQUIRED = ("format", "date", "python", "versions", "backend", "devices", "chapters")
NO_RECORD = "No compatibility record has been committed yet."


def _cell(text: str) -> str:
    """``text`` as one cell of a Markdown table: one line, pipes escaped, code as code."""
    return " ".join(text.split()).replace("|", "\\|")


def _problems(record: Any) -> list[str]:
    """What is wrong with a record's shape (an empty list when it can be rendered).

    Examples:
        >>> _problems({"format": 1})
        ['missing date, python, versions, backend, devices, chapters']
        >>> _problems([])
        ['not a JSON object']
    """
    if not isinstance(record, dict):
        return ["not a JSON object"]
    if missing := [key for key in REQUIRED if key not in record]:
        return [f"missing {', '.join(missing)}"]
    problems = []
    if record["format"] != FORMAT:
        problems.append(f"format {record['format']!r}, this page reads format {FORMAT}")
    for chapter in record["chapters"]:
        if chapter.get("status") not in {"passed", "failed"} or "chapter" not in chapter:
            problems.append(f"chapter entry {chapter!r} lacks a name or passed/failed")
    return problems


def render(record: dict[str, Any], pages: frozenset[str] = frozenset()) -> str:
    r"""Return a record as MyST Markdown: a rubric, what ran it, and a table of chapters.

    A chapter that is one of ``pages`` links to it; another (a record made from an older
    tree) is named as text.

    Examples:
        >>> record = {"format": 1, "date": "2026-01-02T03:04:05Z", "python": "3.12.1",
        ...           "versions": {"jax": "0.12.0", "jaxlib": "0.12.0"}, "backend": "gpu",
        ...           "devices": ["gpu: NVIDIA H100"], "device_count": 1, "chapters": [
        ...           {"chapter": "jit", "status": "passed"},
        ...           {"chapter": "vmap", "status": "failed",
        ...            "failure": {"cell": 3, "line": 40, "error": "CheckFailed: a | b"}}]}
        >>> print(render(record, frozenset({"jit"})))  # doctest: +NORMALIZE_WHITESPACE
        ```{rubric} JAX 0.12.0 on gpu (NVIDIA H100), 2026-01-02
        ```
        <BLANKLINE>
        jax 0.12.0, jaxlib 0.12.0; Python 3.12.1; 1 device: gpu: NVIDIA H100. 1 of 2 chapters
        passed.
        <BLANKLINE>
        | Chapter | Result | First failing claim |
        |---|---|---|
        | {doc}`/jit` | passed | |
        | vmap | **failed** | cell 3, line 40: `CheckFailed: a \| b` |
    """
    versions = record["versions"]
    kinds = ", ".join(d.split(": ", 1)[-1] for d in record["devices"])
    date = record["date"][:10]
    title = f"JAX {versions.get('jax', '?')} on {record['backend']} ({kinds}), {date}"
    count = record.get("device_count", len(record["devices"]))
    passed = sum(1 for c in record["chapters"] if c["status"] == "passed")
    facts = (
        ", ".join(f"{name} {version}" for name, version in versions.items())
        + f"; Python {record['python']}; {count} device{'s' if count != 1 else ''}: "
        + ", ".join(record["devices"])
        + f". {passed} of {len(record['chapters'])} chapters passed."
    )
    rows = ["| Chapter | Result | First failing claim |", "|---|---|---|"]
    for chapter in record["chapters"]:
        failure = chapter.get("failure") or {}
        where = ", ".join(f"{key} {failure[key]}" for key in ("cell", "line") if key in failure)
        text = _cell(failure.get("error", "")).replace("`", "'")
        error = f"`{text}`" if text else ""
        claim = f"{where}: {error}" if where and error else where or error
        result = "passed" if chapter["status"] == "passed" else "**failed**"
        name = chapter["chapter"]
        link = f"{{doc}}`/{name}`" if name in pages else _cell(name)
        rows.append(f"| {link} | {result} | {claim} |")
    return "\n\n".join([f"```{{rubric}} {title}\n```", facts, "\n".join(rows)])


class CompatRecords(SphinxDirective):
    """``{compat-records} FOLDER``: render every ``*.json`` record in FOLDER (from srcdir)."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        """Parse each record's Markdown into nodes; say so when there is none."""
        folder = Path(self.env.srcdir, self.arguments[0])
        self.env.note_dependency(str(folder))  # a new record changes the folder's mtime
        records = []
        for path in sorted(folder.glob("*.json")):
            self.env.note_dependency(str(path))
            try:
                record = json.loads(path.read_text(encoding="utf8"))
            except json.JSONDecodeError as error:
                problems = [f"not JSON ({error})"]
            else:
                problems = _problems(record)
            if problems:
                message = f"compatibility record {path.name}: {'; '.join(problems)}"
                logger.warning(message, location=self.get_location())
                continue
            records.append(record)
        if not records:
            return [nodes.paragraph(text=NO_RECORD)]
        records.sort(key=lambda record: record["date"], reverse=True)
        pages = frozenset(self.env.found_docs)
        text = "\n\n".join(render(record, pages) for record in records)
        return self.parse_text_to_nodes(text)


class book_versions(nodes.General, nodes.Element):
    """Where the sentence on the build's versions goes, once every chapter has been read."""


VERSIONS_KEY = "jax101-book-versions"  # in the page's metadata: it uses {book-versions}


class BookVersions(SphinxDirective):
    """``{book-versions}``: the JAX, jaxlib and Python this build's chapters ran with."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Leave a placeholder, resolved when the page is written."""
        self.env.metadata[self.env.docname][VERSIONS_KEY] = True
        return [book_versions()]


def versions_sentence(records: list[dict[str, Any]], locked: dict[str, str]) -> str:
    """Say which versions the chapters' kernels ran (each distinct set once).

    Examples:
        >>> record = {"jax_version": "0.2", "jaxlib_version": "0.2", "python_version": "3.12.1"}
        >>> versions_sentence([record, record], {"jax": "0.2", "jaxlib": "0.2"})
        'This copy of the book was built, and every claim in it checked, with JAX 0.2, jaxlib 0.2 and Python 3.12.1 (the JAX and jaxlib that uv.lock pins).'
        >>> versions_sentence([], {})
        'No chapter of this copy of the book has been executed yet.'
    """  # noqa: E501
    if not records:
        return "No chapter of this copy of the book has been executed yet."
    texts = list(dict.fromkeys(versions_text(record, locked) for record in records))
    return (
        f"This copy of the book was built, and every claim in it checked, with {'; '.join(texts)}."
    )


def _resolve_versions(app: Sphinx, doctree: nodes.document, _docname: str) -> None:
    env = app.env
    records = [r for d in sorted(env.found_docs) if (r := provenance_of(env, d)) is not None]
    for node in list(doctree.findall(book_versions)):
        text = versions_sentence(records, locked_versions())
        node.replace_self(nodes.paragraph(text, text, classes=["jax101-book-versions"]))


def _reread_with_chapters(
    _app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], _removed: set[str]
) -> list[str]:
    """Re-read the pages that state the versions whenever another page is (re)read."""
    if not added | changed:
        return []
    return [d for d, meta in env.metadata.items() if meta.get(VERSIONS_KEY) and d in env.all_docs]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives."""
    app.add_node(book_versions)
    app.add_directive("book-versions", BookVersions)
    app.connect("doctree-resolved", _resolve_versions)
    app.connect("env-get-outdated", _reread_with_chapters)
    app.add_directive("compat-records", CompatRecords)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
