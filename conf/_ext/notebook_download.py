"""Sphinx extension: offer every executed chapter as a Jupyter notebook (``.ipynb``).

myst-nb writes each chapter, converted to a notebook, into its output folder, but without
the outputs (those stay in the execution cache). This extension merges the cached outputs
back in, drops build-only metadata, publishes the result next to the chapter's
MyST source in ``_sources/`` and tells sphinx-book-theme about it, whose download menu then
lists ".ipynb" beside ".md". A chapter that was not executed (``--only``) is offered without
outputs.

The notebook starts with an install cell that installs what built the page: the book's
package from the wheel this site publishes (``site_wheel``: built from the same tree, named
by its address under the site URL, ``html_baseurl``, with its hash), and every distribution
the package depends on, plus whatever else the chapter imports (``myst-nb`` for ``glue``),
pinned to the versions installed in the build's environment (which ``uv.lock`` pins). So it
runs on Colab or in a bare Jupyter with the JAX the page was checked with. Each chapter's
header also gets an "Open in Colab" button for the copy of that notebook that the site
serves; Colab opens it from the GitHub Pages branch (``jax101_notebook_branch``) of the
repository that the site URL names.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import importlib.metadata
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from packaging.requirements import Requirement
from sphinx.application import Sphinx
from sphinx.util import logging

import nb_adapter
import site_wheel
from kernel_install import KERNEL_NAME
from provenance import PROVENANCE_TAG

# myst-nb's bookkeeping, and jupytext's note that the source was MyST: meaningless in a download
BUILD_METADATA = ("source_map", "jupytext")
LOGGER = logging.getLogger(__name__)


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


# A chapter's solution cells (the worked solution, then the cell checking it with its grader)
SOLUTION_TAG = "solution"
SOLUTIONS_INTRO = (
    "## Solutions\n\n"
    "The book's solutions to this chapter's exercises, each followed by the check its build "
    "runs. Try an exercise, and grade your answer with its cell, before reading its solution."
)
GRADED_ID = re.compile(r"""exercises\.grade\(\s*["']([\w-]+/\d+)["']""")


def solutions_last(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    r"""Return ``notebook`` with the cells tagged ``solution`` moved to a last "Solutions" section.

    In a chapter a solution follows its exercise's answer stub and grading cell, collapsed;
    a notebook cannot collapse it, so a learner would meet it first. Each run of solution
    cells, up to the one that grades the reference answer, gets the heading "Exercise N";
    the cells keep their order, so a solution may use an earlier one's names.

    Examples:
        >>> stub = nbformat.v4.new_code_cell('f = None\njax101.exercises.grade("vmap/1", f)')
        >>> solved = nbformat.v4.new_code_cell("f = len", metadata={"tags": ["solution"]})
        >>> guard = nbformat.v4.new_code_cell(
        ...     'check(jax101.exercises.grade("vmap/1", f).passed)',
        ...     metadata={"tags": ["remove-cell", "solution"]},
        ... )
        >>> after = nbformat.v4.new_markdown_cell("## Summary")
        >>> notebook = nbformat.v4.new_notebook(cells=[stub, solved, guard, after])
        >>> [cell.source.splitlines()[0][:12] for cell in solutions_last(notebook).cells]
        ['f = None', '## Summary', '## Solutions', '### Exercise', 'f = len', 'check(jax101']
    """
    notebook = copy.deepcopy(notebook)
    kept, solutions, pending = [], [], []
    for cell in notebook.cells:
        if SOLUTION_TAG not in cell.metadata.get("tags", []):
            kept.append(cell)
            continue
        pending.append(cell)
        graded = GRADED_ID.search(cell.source) if cell.cell_type == "code" else None
        if graded is not None:
            number = graded[1].rsplit("/", 1)[1]
            solutions += [_markdown(notebook, f"### Exercise {number}"), *pending]
            pending = []
    if pending:
        raise ValueError(
            "cells tagged 'solution' after the last one that grades an answer: "
            + ", ".join(repr(c.source.splitlines()[0]) for c in pending if c.source)
        )
    if solutions:
        kept += [_markdown(notebook, SOLUTIONS_INTRO), *solutions]
    notebook.cells = kept
    return notebook


def _markdown(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    if notebook.get("nbformat_minor", 0) < 5:  # cell ids exist from nbformat 4.5 on
        cell.pop("id", None)
    return cell


# Modules a Jupyter kernel brings with it: never installed by the cell.
KERNEL_MODULES = {"IPython", "ipykernel", "ipywidgets", "jupyter_client", "traitlets"}
INSTALL_NOTE = (
    "# Installs what built this page: the book's package from its site, at the versions used."
)


def _imported_modules(notebook: nbformat.NotebookNode) -> set[str]:
    modules = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        source = "\n".join(line for line in lines if line.lstrip()[:1] not in {"%", "!"})
        with contextlib.suppress(SyntaxError):
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules


@functools.cache
def _module_distributions() -> dict[str, list[str]]:
    """Which distributions provide each top-level module: read once per process.

    ``importlib.metadata.packages_distributions`` reads every installed distribution's
    file list, about 0.4 s here; a build asks for it once per chapter it writes.
    """
    return importlib.metadata.packages_distributions()


def requirements(notebook: nbformat.NotebookNode, package: str = "jax101") -> list[str]:
    r"""Return the distributions a notebook needs: ``package`` and what else it imports.

    A module from the standard library, the kernel, or ``package`` and its dependencies
    needs nothing more; any other is named by the distribution that provides it here.

    Examples:
        >>> cell = nbformat.v4.new_code_cell("import json\nimport jax\nfrom myst_nb import glue")
        >>> requirements(nbformat.v4.new_notebook(cells=[cell]))
        ['jax101', 'myst-nb']
    """
    provided = set(runtime_closure(package))
    distributions = _module_distributions()
    needed = [package]
    for module in sorted(_imported_modules(notebook)):
        if module in sys.stdlib_module_names or module in KERNEL_MODULES:
            continue
        names = [_normalised(n) for n in distributions.get(module, [module])]
        if not provided & set(names) and names[0] not in needed:
            needed.append(names[0])
    return needed


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def runtime_closure(package: str) -> tuple[str, ...]:
    """Return ``package`` and every distribution it needs at run time here, normalised.

    Extras are left out; environment markers are evaluated for this Python and platform.

    Examples:
        >>> closure = runtime_closure("jax101")
        >>> {"jax", "jaxlib", "numpy", "optax"} <= set(closure)
        True
        >>> "sphinx" in closure
        False
    """
    seen: set[str] = set()
    todo = [_normalised(package)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in importlib.metadata.requires(name) or []:
            needed = Requirement(line)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                todo.append(_normalised(needed.name))
    return tuple(sorted(seen))


def pins(distributions: list[str]) -> list[str]:
    """Return ``name==version`` for each distribution, at the version installed here.

    Examples:
        >>> pins(["jax"]) == [f"jax=={importlib.metadata.version('jax')}"]
        True
    """
    return [f"{name}=={importlib.metadata.version(name)}" for name in distributions]


def install_source(package_requirement: str, needed: list[str], width: int = 88) -> str:
    r"""Return the install cell's source: ``package_requirement`` and ``needed``, pinned.

    ``needed`` is what :func:`requirements` returns (the package first): the package's own
    run-time distributions and the other ones are pinned to the versions installed here.
    Long lines are continued with a backslash, which IPython joins before running ``%pip``.

    Examples:
        >>> source = install_source("jax101@https://site/w.whl", ["jax101"], width=40)
        >>> print(source.splitlines()[1])
        %pip install --quiet jax101@https://site/w.whl \
        >>> max(len(line) for line in source.splitlines()[2:]) <= 40
        True
    """
    package, *others = needed
    pinned = pins([d for d in runtime_closure(package) if d != _normalised(package)])
    pinned += pins(others)
    lines, line = [f"%pip install --quiet {package_requirement}"], " "
    for pin in pinned:
        if len(line) + len(pin) + 1 > width - 2:
            lines.append(line)
            line = " "
        line += f" {pin}"
    lines.append(line)
    return f"{INSTALL_NOTE}\n" + " \\\n".join(lines)


def with_install_cell(
    notebook: nbformat.NotebookNode, package_requirement: str
) -> nbformat.NotebookNode:
    r"""Return ``notebook`` with a first cell that installs what it needs.

    Examples:
        >>> cell = nbformat.v4.new_code_cell("import jax101")
        >>> notebook = nbformat.v4.new_notebook(cells=[cell])
        >>> notebook = with_install_cell(notebook, "jax101@https://site/w.whl#sha256=0")
        >>> print(notebook.cells[0].source.splitlines()[1])
        %pip install --quiet jax101@https://site/w.whl#sha256=0 \
    """
    notebook = copy.deepcopy(notebook)
    install = install_source(package_requirement, requirements(notebook))
    cell = nbformat.v4.new_code_cell(install)
    if notebook.get("nbformat_minor", 0) >= 5:  # cell ids exist from nbformat 4.5 on
        cell["id"] = "install"
    else:
        cell.pop("id", None)
    notebook.cells.insert(0, cell)
    return notebook


def github_pages_repository(site: str) -> str | None:
    """Return ``owner/name`` of the repository whose GitHub Pages site is ``site``, or None.

    Examples:
        >>> github_pages_repository("https://org.github.io/book/")
        'org/book'
        >>> github_pages_repository("https://org.github.io/")
        'org/org.github.io'
        >>> github_pages_repository("http://127.0.0.1:8000/") is None
        True
    """
    found = re.fullmatch(r"https://([\w-]+)\.github\.io/([\w.-]*)/?", site)
    if found is None:
        return None
    owner, name = found.groups()
    return f"{owner}/{name or f'{owner}.github.io'}"


def colab_url(repository: str, branch: str, notebook: str) -> str:
    """Return the Colab address that opens ``notebook`` (``_sources/...``) of ``repository``.

    Examples:
        >>> colab_url("org/book", "gh-pages", "arrays.ipynb")
        'https://colab.research.google.com/github/org/book/blob/gh-pages/_sources/arrays.ipynb'
    """
    return (
        f"https://colab.research.google.com/github/{repository}/blob/{branch}/_sources/{notebook}"
    )


def _publish(
    app: Sphinx,
    pagename: str,
    _templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """Write the page's executed notebook, with its install cell, into ``_sources``."""
    executed = nb_adapter.notebook_output_path(app.env, pagename)
    if doctree is None or not executed.is_file():
        return
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(executed, as_version=4)
    cache = app.config.nb_execution_cache_path if app.config.nb_execution_mode == "cache" else ""
    notebook = downloadable(notebook, cache)
    try:
        notebook = solutions_last(notebook)
    except ValueError as error:  # a chapter's mistake: one warning naming it, no crash
        LOGGER.warning(str(error), location=(pagename, 1), type="jax101", subtype="solutions")
    notebook = with_install_cell(notebook, site_wheel.requirement(app))
    nbformat.write(notebook, target)
    nb_adapter.set_ipynb_source(context, f"{pagename}.ipynb")


def _colab_button(
    app: Sphinx,
    _pagename: str,
    _templatename: str,
    context: dict[str, Any],
    _doctree: nodes.document | None,
) -> None:
    """Add "Open in Colab" to the header of a page offered as a notebook (after the theme).

    Colab opens the copy the site serves, from the repository's GitHub Pages branch: a site
    published elsewhere (a local test server) gets no button.
    """
    notebook = nb_adapter.ipynb_source(context)
    repository = github_pages_repository(site_wheel.site_url(app))
    if not notebook or repository is None:
        return
    url = colab_url(repository, app.config.jax101_notebook_branch, notebook)
    button = {
        "type": "link",
        "url": url,
        "tooltip": "Open this chapter as a notebook in Colab",
        "icon": "_static/images/logo_colab.png",
        "text": "Colab",
        "label": "colab-button",
    }
    nb_adapter.add_header_button(context, button)


def setup(app: Sphinx) -> dict[str, Any]:
    """Publish the notebooks before the theme builds its download menu."""
    app.setup_extension("site_wheel")  # the wheel the install cells name
    app.connect("html-page-context", _publish, priority=nb_adapter.THEME_PAGE_CONTEXT_PRIORITY - 1)
    app.add_config_value("jax101_notebook_branch", "gh-pages", "html", types=frozenset({str}))
    app.connect(
        "html-page-context", _colab_button, priority=nb_adapter.THEME_PAGE_CONTEXT_PRIORITY + 1
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
