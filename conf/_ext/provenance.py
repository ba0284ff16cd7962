"""Provenance: the hidden last cell of every executed chapter, and the footer it gives.

Every executed chapter gets one hidden last cell that reports the kernel's Python, JAX,
backend, devices and passed checks; the record is stored with the page and rendered as its
"How this page was made" footer, with the time the outputs were computed and how long the
cells took from myst-nb's execution record.
"""

from __future__ import annotations

import datetime
from typing import Any

import nbformat
from docutils import nodes
from sphinx.environment import BuildEnvironment

from module_deps import module_digest

PROVENANCE_MIME = "application/vnd.jax101.provenance+json"
PROVENANCE_CELL = "import jax101._provenance\njax101._provenance.report_provenance()"
PROVENANCE_TAG = "jax101-provenance"


def provenance_cell(modules: list[str]) -> str:
    """Return the hidden cell's code, its first line naming the modules its outputs used."""
    return f"# jax101 {module_digest(modules)}: {' '.join(modules)}\n{PROVENANCE_CELL}"


def provenance_output(notebook: nbformat.NotebookNode) -> dict[str, Any] | None:
    """Return the record the hidden last cell output, or None if it has none."""
    last = notebook.cells[-1] if notebook.cells else None
    if last is None or PROVENANCE_TAG not in last.get("metadata", {}).get("tags", []):
        return None
    for output in last.get("outputs", []):
        record = output.get("data", {}).get(PROVENANCE_MIME)
        if record is not None:
            return dict(record)
    return None


def provenance_of(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """Return the kernel's provenance record of an executed page (None if it has none)."""
    return getattr(env, "jax101_provenance", {}).get(docname)


def footer_text(record: dict[str, Any], exec_data: dict[str, Any]) -> str:
    """Say when, how fast and on what a page's outputs were computed.

    Args:
        record: The kernel's provenance record (see ``jax101._provenance``).
        exec_data: myst-nb's execution record of the page (``mtime``, ``runtime``).

    Examples:
        >>> record = {"jax_version": "0.1", "jaxlib_version": "0.1", "backend": "cpu",
        ...           "devices": "1 x cpu", "checks": 3, "python_version": "3.11.7"}
        >>> footer_text(record, {"mtime": 0.0, "runtime": 2.04})
        'Outputs computed 1970-01-01 00:00 UTC in 2.0 s with JAX 0.1 (jaxlib 0.1), cpu backend (1 x cpu); 3 checks passed.'
    """  # noqa: E501
    when = datetime.datetime.fromtimestamp(exec_data["mtime"], datetime.UTC)
    runtime = exec_data.get("runtime")
    took = "" if runtime is None else f" in {runtime:.1f} s"
    return (
        f"Outputs computed {when:%Y-%m-%d %H:%M} UTC{took} with JAX {record['jax_version']} "
        f"(jaxlib {record['jaxlib_version']}), {record['backend']} backend "
        f"({record['devices']}); {_checks(record['checks'])} passed."
    )


def _checks(count: int) -> str:
    return f"{count} check" if count == 1 else f"{count} checks"


def footer(record: dict[str, Any], exec_data: dict[str, Any]) -> nodes.container:
    """Return the "How this page was made" paragraph of a page (see :func:`footer_text`)."""
    note = nodes.container(classes=["jax101-provenance"])
    note += nodes.paragraph(
        "",
        "",
        nodes.strong("", "How this page was made."),
        nodes.Text(" " + footer_text(record, exec_data)),
    )
    return note
