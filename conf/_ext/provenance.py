"""Provenance: the hidden last cell of every executed chapter, and the footer it gives.

Every executed chapter gets one hidden last cell that reports the kernel's Python, JAX,
jaxlib, backend, devices and passed checks; the record is stored with the page and rendered
as its "How this page was made" footer, with the time the outputs were computed and how
long the cells took from myst-nb's execution record, and whether the JAX and jaxlib the
kernel ran are the ones ``uv.lock`` pins.
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from sphinx.environment import BuildEnvironment

from module_deps import module_digest

PROVENANCE_MIME = "application/vnd.jax101.provenance+json"
PROVENANCE_CELL = "import jax101._provenance\njax101._provenance.report_provenance()"
PROVENANCE_TAG = "jax101-provenance"
LOCK = Path(__file__).resolve().parents[2] / "uv.lock"
LOCKED = ("jax", "jaxlib")  # the versions a footer compares with the lock's


@functools.cache
def locked_versions(lock: Path = LOCK) -> dict[str, str]:
    """Return the versions of JAX and jaxlib that ``lock`` pins (several: joined by " or ").

    Examples:
        >>> sorted(locked_versions())
        ['jax', 'jaxlib']
    """
    if not lock.is_file():
        return {}
    found: dict[str, list[str]] = {}
    for package in tomllib.loads(lock.read_text(encoding="utf8")).get("package", []):
        if package.get("name") in LOCKED and package["version"] not in found.get(
            package["name"], []
        ):
            found.setdefault(package["name"], []).append(package["version"])
    return {name: " or ".join(versions) for name, versions in sorted(found.items())}


def versions_text(record: dict[str, Any], locked: dict[str, str]) -> str:
    """Say which JAX, jaxlib and Python the kernel ran, and how that compares with the lock.

    Examples:
        >>> record = {"jax_version": "0.2", "jaxlib_version": "0.2", "python_version": "3.12.1"}
        >>> versions_text(record, {"jax": "0.2", "jaxlib": "0.2"})
        'JAX 0.2, jaxlib 0.2 and Python 3.12.1 (the JAX and jaxlib that uv.lock pins)'
        >>> versions_text(record, {"jax": "0.1", "jaxlib": "0.1"})
        'JAX 0.2, jaxlib 0.2 and Python 3.12.1 (past uv.lock, which pins JAX 0.1, jaxlib 0.1)'
    """
    ran = f"JAX {record['jax_version']}, jaxlib {record['jaxlib_version']} and Python "
    ran += str(record.get("python_version", "?"))
    if not locked:
        return ran
    if [locked.get("jax"), locked.get("jaxlib")] == [
        record["jax_version"],
        record["jaxlib_version"],
    ]:
        return f"{ran} (the JAX and jaxlib that uv.lock pins)"
    pins = f"JAX {locked.get('jax', '?')}, jaxlib {locked.get('jaxlib', '?')}"
    return f"{ran} (past uv.lock, which pins {pins})"


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


def footer_text(
    record: dict[str, Any], exec_data: dict[str, Any], locked: dict[str, str] | None = None
) -> str:
    """Say when, how fast and on what a page's outputs were computed.

    Args:
        record: The kernel's provenance record (see ``jax101._provenance``).
        exec_data: myst-nb's execution record of the page (``mtime``, ``runtime``).
        locked: The versions ``uv.lock`` pins (:func:`locked_versions`, the default).

    Examples:
        >>> record = {"jax_version": "0.1", "jaxlib_version": "0.1", "backend": "cpu",
        ...           "devices": "1 x cpu", "checks": 3, "python_version": "3.11.7"}
        >>> footer_text(record, {"mtime": 0.0, "runtime": 2.04}, {"jax": "0.1", "jaxlib": "0.1"})
        'Outputs computed 1970-01-01 00:00 UTC in 2.0 s with JAX 0.1, jaxlib 0.1 and Python 3.11.7 (the JAX and jaxlib that uv.lock pins), cpu backend (1 x cpu); 3 checks passed.'
    """  # noqa: E501
    when = datetime.datetime.fromtimestamp(exec_data["mtime"], datetime.UTC)
    runtime = exec_data.get("runtime")
    took = "" if runtime is None else f" in {runtime:.1f} s"
    return (
        f"Outputs computed {when:%Y-%m-%d %H:%M} UTC{took} with "
        f"{versions_text(record, locked_versions() if locked is None else locked)}, "
        f"{record['backend']} backend ({record['devices']}); {_checks(record['checks'])} passed."
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
