"""Sphinx extension: the ``build-report`` directive, a table of how each chapter was executed.

One row per executed page, in reading order: when its outputs were computed, how long its
cells took, its status, the number of checks that passed and the JAX version and devices
that produced it (the last three glued by ``jax101.chapter_footer``). The page holding the
directive is re-read on every build so the table is never stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

COLUMNS = ("Chapter", "Outputs computed", "Cell time (s)", "Status", "Checks", "Produced by")


class build_report(nodes.General, nodes.Element):
    """Placeholder replaced by the table once every page has been read."""


class BuildReportDirective(SphinxDirective):
    """Insert the build report table."""

    def run(self) -> list[nodes.Node]:
        """Remember which page shows the report and leave a placeholder."""
        _report_pages(self.env).add(self.env.docname)
        return [build_report()]


def _report_pages(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "jax101_report_pages"):
        env.jax101_report_pages = set()
    return env.jax101_report_pages


def _glued(outdir: Path, docname: str) -> dict[str, str]:
    """Read the plain-text glue values that myst-nb stored for a page."""
    path = outdir.parent / "jupyter_execute" / f"{docname}.glue.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf8"))
    values = {}
    for key, output in data.items():
        bundle = output.get("data", {})
        text = next((v for k, v in bundle.items() if k.endswith("text/plain")), "")
        values[key] = text.strip("'\"")
    return values


def _row(app: Sphinx, fromdoc: str, docname: str) -> list[nodes.Node]:
    env = app.env
    exec_data = NbMetadataCollector.get_exec_data(env, docname) or {}
    glued = _glued(Path(app.outdir), docname)
    if "jax101_checks" not in glued:
        logger.warning(
            "%s: no check count was recorded; end the chapter with a cell that calls "
            "jax101.chapter_footer()",
            env.doc2path(docname),
            location=docname,
        )
    title = env.titles[docname].astext() if docname in env.titles else docname
    link = nodes.reference("", title, internal=True)
    link["refuri"] = app.builder.get_relative_uri(fromdoc, docname)
    runtime = exec_data.get("runtime")
    status = "passed" if exec_data.get("succeeded") else f"FAILED ({exec_data.get('error')})"
    return [
        link,
        nodes.Text(glued.get("jax101_executed_at", "—")),
        nodes.Text("—" if runtime is None else f"{runtime:.1f}"),
        nodes.Text(status),
        nodes.Text(glued.get("jax101_checks", "—")),
        nodes.Text(glued.get("jax101_platform", "—")),
    ]


def _reading_order(env: BuildEnvironment) -> list[str]:
    """Return the documents reachable from the root toctree, depth first, in reading order."""
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def _table(rows: list[list[nodes.Node]]) -> nodes.table:
    table = nodes.table(classes=["jax101-build-report"])
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in COLUMNS)
    head = nodes.thead()
    body = nodes.tbody()
    group += [head, body]
    for parent, cells in [(head, [nodes.Text(c) for c in COLUMNS])] + [(body, r) for r in rows]:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", nodes.paragraph("", "", cell))
        parent.append(row)
    return table


def _resolve(app: Sphinx, doctree: nodes.document, fromdoc: str) -> None:
    placeholders = list(doctree.findall(build_report))
    if not placeholders:
        return
    metadata = NbMetadataCollector.get_doc_data(app.env)
    executed = [doc for doc in _reading_order(app.env) if metadata.get(doc, {}).get("exec_data")]
    table = _table([_row(app, fromdoc, doc) for doc in executed])
    for placeholder in placeholders:
        placeholder.replace_self(table.deepcopy())


def _outdated(
    _app: Sphinx, env: BuildEnvironment, _added: set, _changed: set, removed: set
) -> list[str]:
    return sorted(_report_pages(env) - removed)


def _purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _report_pages(env).discard(docname)


def _merge(_app: Sphinx, env: BuildEnvironment, _docs: set, other: BuildEnvironment) -> None:
    _report_pages(env).update(_report_pages(other))


def setup(app: Sphinx) -> dict[str, object]:
    """Register the directive and its event handlers."""
    app.add_node(build_report)
    app.add_directive("build-report", BuildReportDirective)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _resolve)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
