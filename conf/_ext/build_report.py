"""Sphinx extension: the ``build-report`` directive, a table of how each chapter was executed.

One row per executed page, in reading order: when its outputs were computed, how long its
cells took, its status, the number of checks that passed, the number of exercises whose
reference solution its grader accepted, and the JAX version and devices
that produced it (as the ``execution`` extension recorded them from the chapter's own
kernel). The table is made when the page is written, from what the environment holds;
the page is written again whenever a build reads any other page (a chapter executed or
taken from the cache), so the table is never stale, and a build that reads nothing leaves
it alone.

Each chapter has a time budget for its cells, declared in one place, ``conf.py``
(``jax101_time_budget``, the default, and ``jax101_time_budgets``, by chapter). A chapter
over its budget is marked in the table, and a build that reads it prints one line saying
so. That line is information, not a warning: machines differ, so ``-W`` does not fail the
build for it.
"""

from __future__ import annotations

import datetime
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import nb_adapter
from cell_progress import shown_path
from provenance import provenance_of

logger = logging.getLogger(__name__)

COLUMNS = (
    "Chapter",
    "Outputs computed",
    "Cell time (s)",
    "Status",
    "Checks",
    "Exercises",
    "Produced by",
)


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


def budget_of(config: Any, docname: str) -> float:
    """Return a chapter's time budget in seconds: its own, or the default.

    Examples:
        >>> from types import SimpleNamespace
        >>> config = SimpleNamespace(jax101_time_budget=12, jax101_time_budgets={"perf": 30})
        >>> budget_of(config, "perf"), budget_of(config, "jit")
        (30, 12)
    """
    return config.jax101_time_budgets.get(docname, config.jax101_time_budget)


def over_budget(exec_data: dict[str, Any], budget: float) -> bool:
    """Tell whether a chapter's cells took longer than its budget."""
    runtime = exec_data.get("runtime")
    return runtime is not None and runtime > budget


def over_budget_line(source: str, runtime: float, budget: float) -> str:
    """Say that a chapter went over its time budget, and what to do.

    Examples:
        >>> print(over_budget_line("docs/perf.md", 31.24, 30))  # doctest: +NORMALIZE_WHITESPACE
        docs/perf.md: over its time budget: its cells took 31.2 s, its budget is 30 s (make
        its examples smaller, or change its budget: jax101_time_budgets in conf/conf.py)
    """
    return (
        f"{source}: over its time budget: its cells took {runtime:.1f} s, its budget is "
        f"{budget:g} s (make its examples smaller, or change its budget: jax101_time_budgets "
        "in conf/conf.py)"
    )


def row_texts(
    exec_data: dict[str, Any], record: dict[str, Any] | None, budget: float | None = None
) -> list[str]:
    """Return the cells of a chapter's row after its title.

    Args:
        exec_data: myst-nb's execution record of the chapter.
        record: The provenance its kernel reported (None when the chapter failed).
        budget: The chapter's time budget in seconds; a cell time over it is marked.

    Examples:
        >>> record = {"jax_version": "0.1", "jaxlib_version": "0.2", "backend": "cpu",
        ...           "devices": "1 x cpu", "checks": 4, "exercises": 2}
        >>> row_texts({"mtime": 0.0, "runtime": 1.26, "succeeded": True}, record)
        ['1970-01-01 00:00 UTC', '1.3', 'passed', '4', '2', 'JAX 0.1 (jaxlib 0.2), cpu backend (1 x cpu)']
        >>> row_texts({"mtime": 0.0, "succeeded": False, "error": "CellExecutionError"}, None)
        ['1970-01-01 00:00 UTC', '—', 'FAILED (CellExecutionError)', '—', '—', '—']
        >>> row_texts({"mtime": 0.0, "runtime": 13.0, "succeeded": True}, record, budget=12)[1]
        '13.0 (over its 12 s budget)'
    """  # noqa: E501
    when = datetime.datetime.fromtimestamp(exec_data["mtime"], datetime.UTC)
    runtime = exec_data.get("runtime")
    status = "passed" if exec_data.get("succeeded") else f"FAILED ({exec_data.get('error')})"
    platform = "—"
    over = ""
    if budget is not None and over_budget(exec_data, budget):
        over = f" (over its {budget:g} s budget)"
    if record is not None:
        platform = (
            f"JAX {record['jax_version']} (jaxlib {record['jaxlib_version']}), "
            f"{record['backend']} backend ({record['devices']})"
        )
    return [
        f"{when:%Y-%m-%d %H:%M} UTC",
        "—" if runtime is None else f"{runtime:.1f}" + over,
        status,
        "—" if record is None else str(record["checks"]),
        "—" if record is None else str(record.get("exercises", 0)),
        platform,
    ]


def _row(app: Sphinx, fromdoc: str, docname: str) -> list[nodes.Node]:
    env = app.env
    exec_data = nb_adapter.exec_data(env, docname) or {}
    link = nodes.reference("", nb_adapter.title(env, docname), internal=True)
    link["refuri"] = app.builder.get_relative_uri(fromdoc, docname)
    texts = row_texts(exec_data, provenance_of(env, docname), budget_of(app.config, docname))
    return [link, *(nodes.Text(text) for text in texts)]


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
    executed_docs = nb_adapter.executed_docnames(app.env)
    executed = [doc for doc in nb_adapter.reading_order(app.env) if doc in executed_docs]
    table = _table([_row(app, fromdoc, doc) for doc in executed])
    for placeholder in placeholders:
        placeholder.replace_self(table.deepcopy())


# The pages the current build reads, as Sphinx announces them before reading.
_reading: set[str] = set()


def _before_read(_app: Sphinx, _env: BuildEnvironment, docnames: list[str]) -> None:
    _reading.clear()
    _reading.update(docnames)


def _updated(_app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Have the report pages written again if this build read any other page."""
    pages = _report_pages(env)
    return sorted(pages) if _reading - pages else []


def _report_over_budget(app: Sphinx, env: BuildEnvironment) -> None:
    """Print one line for each chapter read in this build whose cells went over budget."""
    for docname in sorted(_reading):
        exec_data = nb_adapter.exec_data(env, docname) or {}
        budget = budget_of(app.config, docname)
        if exec_data.get("succeeded") and over_budget(exec_data, budget):
            source = shown_path(str(env.doc2path(docname)))
            line = over_budget_line(source, exec_data["runtime"], budget)
            logger.info(line, color="darkred")  # information: never an error, even under -W


def _purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _report_pages(env).discard(docname)


def _merge(_app: Sphinx, env: BuildEnvironment, _docs: set, other: BuildEnvironment) -> None:
    _report_pages(env).update(_report_pages(other))


def setup(app: Sphinx) -> dict[str, object]:
    """Register the directive and its event handlers."""
    # Each chapter's time budget (seconds): the default, and by chapter (conf.py sets both).
    app.add_config_value("jax101_time_budget", 12, "html", types=frozenset({int, float}))
    app.add_config_value("jax101_time_budgets", {}, "html", types=frozenset({dict}))
    app.add_node(build_report)
    app.add_directive("build-report", BuildReportDirective)
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-updated", _updated)
    app.connect("env-updated", _report_over_budget)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _resolve)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
