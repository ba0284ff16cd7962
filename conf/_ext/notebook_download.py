"""Sphinx extension: offer every executed chapter as a Jupyter notebook (``.ipynb``).

myst-nb writes each chapter, converted to a notebook, into its output folder, but without
the outputs (those stay in the execution cache). This extension merges the cached outputs
back in, drops build-only metadata, publishes the result next to the chapter's
MyST source in ``_sources/`` and tells sphinx-book-theme about it, whose download menu then
lists ".ipynb" beside ".md". A chapter that was not executed (``--only``) is offered without
outputs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from sphinx.application import Sphinx

import nb_adapter
from execution import KERNEL_NAME, PROVENANCE_TAG

# myst-nb's bookkeeping, and jupytext's note that the source was MyST: meaningless in a download
BUILD_METADATA = ("source_map", "jupytext")


def downloadable(notebook: nbformat.NotebookNode, cache: str) -> nbformat.NotebookNode:
    """Return ``notebook`` with the outputs cached for it in ``cache``, minus build-only metadata.

    Args:
        notebook: A chapter as myst-nb writes it to its output folder.
        cache: The jupyter-cache folder of the build ("" when there is none).

    Examples:
        >>> cell = nbformat.v4.new_code_cell("1 + 1")
        >>> notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"source_map": [3]})
        >>> downloadable(notebook, cache="").metadata
        {}
    """
    notebook = copy.deepcopy(notebook)
    if cache:  # a chapter not executed in this build keeps no outputs
        notebook = nb_adapter.merge_cached_outputs(notebook, cache)
    for key in BUILD_METADATA:
        notebook.metadata.pop(key, None)
    notebook.cells = [
        cell for cell in notebook.cells if PROVENANCE_TAG not in cell.metadata.get("tags", [])
    ]
    kernelspec = notebook.metadata.get("kernelspec", {})
    if kernelspec.get("name") == KERNEL_NAME:  # the build's own kernel: a reader has python3
        kernelspec["name"] = "python3"
    return notebook


def _publish(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    executed = nb_adapter.notebook_output_path(app.env, pagename)
    if doctree is None or not executed.is_file():
        return
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(executed, as_version=4)
    cache = app.config.nb_execution_cache_path if app.config.nb_execution_mode == "cache" else ""
    nbformat.write(downloadable(notebook, cache), target)
    nb_adapter.set_ipynb_source(context, f"{pagename}.ipynb")


def setup(app: Sphinx) -> dict[str, Any]:
    """Publish the notebooks before the theme builds its download menu."""
    app.connect("html-page-context", _publish, priority=nb_adapter.THEME_PAGE_CONTEXT_PRIORITY - 1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
