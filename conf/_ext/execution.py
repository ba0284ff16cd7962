"""Sphinx extension: how the book's chapters are executed, wired into Sphinx and myst-nb.

Each concern has its own module; this one connects them to the build's events:

* ``cache_key``: the cache folder's fingerprint (installed distributions, kernel config).
* ``module_deps``: which ``jax101`` modules a chapter used, and the digest in its cache key.
* ``kernel_install``: the ``jax101`` kernelspec and its IPython profile.
* ``failure_messages``: what a failed chapter's warning says.
* ``provenance``: the hidden last cell and the "How this page was made" footer.
* ``nb_adapter``: the only module touching myst-nb's, jupyter-cache's and nbclient's
  internals.

Here too: ``-D jax101_only=NAME`` executes ``NAME`` alone and reports only that page's
warnings (the other pages lack outputs: their warnings are noise), and a cold build reads
the chapters with most code first.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import chapter_cells
import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import nb_adapter
from cache_key import fingerprint, open_cache
from cell_progress import shown_path
from failure_messages import (
    GLUE_KEY_MESSAGE,
    KERNELSPEC_ADVICE,
    failure_message,
    front_matter_message,
    yaml_problem,
)
from kernel_install import KERNEL_CONFIG, KERNEL_NAME, install_kernel
from module_deps import dependencies, module_digest, package_modules
from provenance import PROVENANCE_TAG, footer, provenance_cell, provenance_output

logger = logging.getLogger(__name__)

# Records read from executed notebooks in this process, by source path, until doctree-read
# moves them into the environment (which parallel readers merge).
_records: dict[str, dict[str, Any]] = {}
_failed_notebooks: dict[str, nbformat.NotebookNode] = {}
# Pages whose execution failed, as seen by the warning filter (in the main process).
_failed_docs: set[str] = set()
_app: list[Sphinx] = []  # the application, for warnings raised while a notebook is read


def _configure(app: Sphinx, config: Config) -> None:
    _app[:] = [app]
    kernel_config = KERNEL_CONFIG
    config.jax101_fingerprint = fingerprint(kernel_config)
    caches = Path(config.jax101_cache_root or Path(app.outdir).parent / ".jupyter_cache")
    current = open_cache(caches, config.jax101_fingerprint)
    config.nb_execution_cache_path = str(current)
    install_kernel(kernel_config)
    nb_adapter.add_warning_filter(app, lambda record: _keep_warning(app, record))
    config.nb_kernel_rgx_aliases = {"python3": KERNEL_NAME, **config.nb_kernel_rgx_aliases}
    if config.jax101_only:
        _configure_preview(app, config)


def _configure_preview(app: Sphinx, config: Config) -> None:
    srcdir = Path(app.srcdir)
    chapter = srcdir / f"{config.jax101_only}.md"
    others = [p for p in srcdir.rglob("*.md") if p != chapter]
    config.nb_execution_excludepatterns = [p.relative_to(srcdir).as_posix() for p in others]
    nb_adapter.drop_log_lines(nb_adapter.is_excluded_line)  # one per page: said once here
    logger.info(
        "preview: executing %s alone; the other %d pages are not executed (their outputs "
        "and warnings are not shown)",
        shown_path(str(chapter)),
        len(others),
    )


def _before_execution(notebook: nbformat.NotebookNode, source: str) -> None:
    if not any(cell.cell_type == "code" for cell in notebook.cells):
        return
    if not notebook.metadata.get("kernelspec", {}).get("name"):
        docname = _app[-1].env.path2doc(source) if _app else None
        logger.warning(KERNELSPEC_ADVICE, location=(docname, 1), type="jax101", subtype="kernel")
        notebook.metadata["kernelspec"] = {
            "display_name": "Python 3",
            "language": "python",
            "name": KERNEL_NAME,
        }
    cell = nbformat.v4.new_code_cell("", metadata={"tags": [PROVENANCE_TAG]})
    cell.id = PROVENANCE_TAG  # a fixed id: the downloads and the cache stay reproducible
    notebook.cells.append(cell)
    nb_adapter.extend_source_map(notebook)
    cache = _app[-1].config.nb_execution_cache_path if _app else ""
    # The key: the digest of the modules the chapter used when it last ran (if that matches
    # a cached run), else of every module (then after_execution re-keys it).
    for used in [*_recorded_uses(cache, source), None]:
        cell.source = provenance_cell(dependencies(used))
        if used is None or nb_adapter.in_cache(cache, notebook):
            break


def _recorded_uses(cache: str, source: str) -> list[list[str]]:
    uses: list[list[str]] = []
    for notebook in nb_adapter.cached_notebooks(cache, source) if cache else []:
        record = provenance_output(notebook)
        used = None if record is None else record.get("jax101_modules")
        if used is not None and used not in uses:
            uses.append(used)
    return uses


def _after_execution(
    notebook: nbformat.NotebookNode, source: str, exec_data: dict[str, Any] | None
) -> None:
    _records.pop(source, None)
    _failed_notebooks.pop(source, None)
    if exec_data is not None and not exec_data.get("succeeded"):
        _failed_notebooks[source] = notebook
    record = provenance_output(notebook)
    if record is None or exec_data is None:
        return
    _records[source] = record
    cell = notebook.cells[-1]
    keyed = provenance_cell(dependencies(record.get("jax101_modules")))
    cache = _app[-1].config.nb_execution_cache_path if _app else ""
    if cell.source != keyed and cache:  # ran under the all-modules key: re-key it
        cell.source = keyed
        nb_adapter.store_in_cache(cache, notebook, source, exec_data.get("runtime") or 0.0)


def _keep_warning(app: Sphinx, record: Any) -> bool:
    docname = nb_adapter.warning_docname(app, record)
    if docname is not None and nb_adapter.is_malformed_front_matter(record):
        nb_adapter.replace_message(record, front_matter_message(Path(app.env.doc2path(docname))))
        return True
    if docname is not None and nb_adapter.is_missing_jupytext_header(record):
        path = Path(app.env.doc2path(docname))
        if path.is_file() and yaml_problem(path.read_text(encoding="utf8")):
            return False  # a knock-on of the malformed front matter, reported once
    if nb_adapter.is_execution_failure(record):
        if docname is not None:
            _failed_docs.add(docname)
        return False  # replaced by failure_message's warning
    if docname in _failed_docs and nb_adapter.is_glue_warning(record):
        return False  # a value the failed cell never glued: a knock-on of the failure
    key = nb_adapter.missing_glue_key(record)
    if key is not None:
        nb_adapter.replace_message(record, GLUE_KEY_MESSAGE.format(key=key))
    only = app.config.jax101_only
    return not only or docname is None or docname == only


def _report_failure(app: Sphinx, docname: str, exec_data: dict[str, Any]) -> None:
    notebook = _failed_notebooks.pop(str(app.env.doc2path(docname)), None)
    if notebook is None:
        return
    report = reports_target(app) / f"{docname}.err.log"
    message, line = failure_message(notebook, exec_data, report)
    logger.warning(message, location=(docname, line), type="jax101", subtype="execution")


def reports_target(app: Sphinx) -> Path:
    """Where the tracebacks of failed chapters are kept: next to, never in, the HTML."""
    return Path(app.outdir).parent / "reports"


def _move_reports(app: Sphinx, _exception: Exception | None) -> None:
    reports = nb_adapter.reports_folder(app)
    if reports.is_dir():
        target = reports_target(app)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(reports, target)


def _store_and_render(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    store = env.__dict__.setdefault("jax101_provenance", {})
    store.pop(env.docname, None)
    record = _records.pop(str(env.doc2path(env.docname)), None)
    exec_data = nb_adapter.exec_data(env, env.docname)
    if exec_data is not None and not exec_data.get("succeeded"):
        _report_failure(app, env.docname, exec_data)
    if record is None or exec_data is None or not exec_data.get("succeeded"):
        return
    store[env.docname] = record
    modules = dependencies(record.get("jax101_modules"))
    keys = env.__dict__.setdefault("jax101_keys", {})
    keys[env.docname] = (modules, module_digest(modules))
    note = footer(record, exec_data)
    sections = list(doctree.findall(nodes.section))
    (sections[0] if sections else doctree).append(note)


def _longest_first(_app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Read the chapters that take longest first.

    Each process takes the next page when it is done with one (see
    ``nb_adapter.read_one_document_per_task``), so starting with the long chapters leaves
    no process alone with one at the end. A chapter's last execution time says how long it
    takes; where there is none (a cold build), the length of its code stands in for it.
    Pages without code come last.
    """
    runtime = {
        doc: (nb_adapter.exec_data(env, doc) or {}).get("runtime") or 0.0 for doc in docnames
    }
    docnames.sort(key=lambda doc: (-runtime[doc], -code_length(env.doc2path(doc))))


def code_length(source: Path) -> int:
    r"""Return how many characters of code cells a MyST notebook has (0 for any other page).

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     page = Path(folder) / "page.md"
        ...     _ = page.write_text("Text\n```{code-cell} ipython3\nx = 1\n```\nMore text\n")
        ...     code_length(page)
        5
    """
    text = source.read_text(encoding="utf8") if source.suffix == ".md" else ""
    return chapter_cells.code_length(text)  # the project's one reader of chapter cells


def _purge(_app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "jax101_provenance", {}).pop(docname, None)
    getattr(env, "jax101_keys", {}).pop(docname, None)


def _changed_dependencies(
    _app: Sphinx, env: BuildEnvironment, _added: set[str], _changed: set[str], removed: set[str]
) -> list[str]:
    """Pages whose jax101 modules changed since they ran: read (and so execute) them again."""
    stale = []
    for docname, (modules, digest) in getattr(env, "jax101_keys", {}).items():
        known = set(package_modules())
        if docname not in removed and (
            not set(modules) <= known or module_digest(modules) != digest
        ):
            stale.append(docname)
    return sorted(stale)


def _merge(_app: Sphinx, env: BuildEnvironment, docs: set[str], other: BuildEnvironment) -> None:
    store = env.__dict__.setdefault("jax101_provenance", {})
    theirs = getattr(other, "jax101_provenance", {})
    store.update({doc: theirs[doc] for doc in docs if doc in theirs})
    keys = env.__dict__.setdefault("jax101_keys", {})
    their_keys = getattr(other, "jax101_keys", {})
    keys.update({doc: their_keys[doc] for doc in docs if doc in their_keys})


def setup(app: Sphinx) -> dict[str, object]:
    """Register the execution settings with Sphinx."""
    # A new fingerprint invalidates the whole environment: every page is read again.
    app.add_config_value("jax101_fingerprint", "", "env", types=frozenset({str}))
    # Where the fingerprinted caches live ("" = next to the output folder).
    app.add_config_value("jax101_cache_root", "", "", types=frozenset({str}))
    # A chapter to preview alone (`nox -s docs -- --only NAME` passes -D jax101_only=NAME).
    app.add_config_value("jax101_only", "", "env", types=frozenset({str}))
    app.connect("config-inited", _configure, priority=100)
    app.connect("doctree-read", _store_and_render)
    app.connect("env-purge-doc", _purge)
    app.connect("env-get-outdated", _changed_dependencies)
    app.connect("env-before-read-docs", _longest_first)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _move_reports)
    nb_adapter.around_execution(_before_execution, _after_execution)
    nb_adapter.read_one_document_per_task()
    nb_adapter.kill_each_kernel_when_done()
    nb_adapter.truncate_cache_only_when_full()
    app.setup_extension("cell_progress")  # a cell running for 30 s says so
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
