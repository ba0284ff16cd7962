"""Sphinx extension: how the book's chapters are executed.

* **Cache.** The myst-nb cache lives in ``<jax101_cache_root>/<fingerprint>``: a hash of
  what can change every chapter's outputs (the installed versions of every distribution a
  kernel can import, the kernel configuration). A new fingerprint starts a new cache (older
  ones are deleted) and re-reads every page. The cache's database is created before
  reading starts, so parallel readers (``-j``) do not race to create it.
* **Dependencies on jax101.** The kernel records which public ``jax101`` names a chapter
  used; the hidden last cell's first line holds a digest of the syntax trees of the
  modules defining them and of what those import. That line is part of the chapter's cache
  key, so editing a module re-executes exactly the chapters that reached it, and a
  comment-only edit re-executes nothing.
* **Kernel.** Chapters run in the ``jax101`` kernel, whose kernelspec (written into this
  environment's ``share/jupyter/kernels``) gives it ``IPYTHONDIR`` pointing at a copy of
  ``conf/ipython``: quiet logging, no history, DeprecationWarning/FutureWarning as errors.
  The Sphinx process's own environment is left alone.
* **Provenance.** Every executed chapter gets one hidden last cell that reports the
  kernel's Python, JAX, backend, devices and passed checks; the record is stored with the
  page and rendered as its "How this page was made" footer, with the time the outputs were
  computed and how long the cells took from myst-nb's execution record.
* **Preview.** ``-D jax101_only=NAME`` executes ``NAME`` alone and reports only that page's
  warnings (the other pages lack outputs: their warnings are noise).
"""

from __future__ import annotations

import ast
import datetime
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import nb_adapter

logger = logging.getLogger(__name__)

PACKAGE = "jax101"
KERNEL_NAME = "jax101"
KERNEL_ROOTS = (PACKAGE, "ipykernel", "myst-nb")  # what a chapter's kernel imports
KERNEL_CONFIG = Path(__file__).resolve().parents[1] / "ipython"  # conf/ipython
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
PROVENANCE_MIME = "application/vnd.jax101.provenance+json"
PROVENANCE_CELL = "import jax101._provenance\njax101._provenance.report_provenance()"
PROVENANCE_TAG = "jax101-provenance"

# Records read from executed notebooks in this process, by source path, until doctree-read
# moves them into the environment (which parallel readers merge).
_records: dict[str, dict[str, Any]] = {}
_failed_notebooks: dict[str, nbformat.NotebookNode] = {}
# Pages whose execution failed, as seen by the warning filter (in the main process).
_failed_docs: set[str] = set()


def _package_files(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        msg = f"the {package!r} package is not installed in the environment running Sphinx"
        raise RuntimeError(msg)
    root = Path(spec.origin).parent
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def kernel_distributions(roots: tuple[str, ...] = KERNEL_ROOTS) -> list[str]:
    """List ``name==version`` of the installed distributions that ``roots`` need, transitively.

    Args:
        roots: Distribution names to start from.

    Returns:
        Sorted ``name==version`` strings; requirements behind extras or unmet environment
        markers, and ones that are not installed, are left out.

    Examples:
        >>> any(entry.startswith("jax==") for entry in kernel_distributions(("jax101",)))
        True
    """
    seen: dict[str, str] = {}
    pending = [canonicalize_name(root) for root in roots]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        seen[name] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return sorted(f"{name}=={version}" for name, version in seen.items())


def fingerprint(kernel_config: Path) -> str:
    """Hash what can change every chapter's outputs without changing its code.

    The ``jax101`` sources are not part of it: each chapter's cache key holds a digest of
    just the ``jax101`` modules it used (see :func:`module_digest`).

    Args:
        kernel_config: The IPython profile folder the kernels use.

    Returns:
        A 16-hex-digit digest of the distributions the kernel imports (name and version)
        and the kernel configuration.

    Examples:
        >>> len(fingerprint(Path("conf/ipython")))
        16
    """
    digest = hashlib.sha256()
    digest.update("\n".join(kernel_distributions()).encode())
    config_files = sorted(p for p in kernel_config.rglob("*.py") if p.is_file())
    for path in config_files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def package_modules(package: str = PACKAGE) -> dict[str, Path]:
    """Map each module of ``package`` (``jax101``, ``jax101._checks``, ...) to its file."""
    modules = {}
    for path in _package_files(package):
        if path.suffix == ".py":
            name = path.stem if path.stem != "__init__" else ""
            modules[f"{package}.{name}".rstrip(".")] = path
    return modules


def module_imports(modules: dict[str, Path], package: str = PACKAGE) -> dict[str, set[str]]:
    """Return, for each module, the modules of the package it imports (``from ._x import``).

    Examples:
        >>> graph = module_imports(package_modules())
        >>> "jax101._checks" in graph["jax101._provenance"]
        True
    """
    return {
        name: set(_imports_in(path.read_text(encoding="utf8"), package)) & set(modules)
        for name, path in modules.items()
    }


@functools.lru_cache(maxsize=256)
def _imports_in(source: str, package: str) -> frozenset[str]:
    """The modules of ``package`` that a module's source imports: parsed once per text."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            target = f"{package}.{node.module}" if node.module else package
            found.update({target} if node.module else {f"{package}.{a.name}" for a in node.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package):
            found.add(node.module or package)
    return frozenset(found)


def dependencies(used: list[str] | None, package: str = PACKAGE) -> list[str]:
    """Return the modules a chapter's outputs depend on: those it used and all they import.

    ``None`` (not recorded) means every module. The package's ``__init__`` (but not the
    modules it re-exports) and ``_provenance``, which the hidden last cell runs, always are.

    Examples:
        >>> "jax101._checks" in dependencies([])  # through _provenance
        True
        >>> "jax101._train" in dependencies(["jax101._timing"])
        False
    """
    modules = package_modules(package)
    if used is None:
        return sorted(modules)
    graph = module_imports(modules, package)
    # __init__ re-exports every module; its own code counts, what it imports does not. The
    # hidden provenance cell runs jax101._provenance in every chapter.
    pending, seen = [*used, f"{package}._provenance"], {package}
    while pending:
        name = pending.pop()
        if name in modules and name not in seen:
            seen.add(name)
            pending.extend(graph[name])
    return sorted(seen)


def module_digest(names: list[str], package: str = PACKAGE) -> str:
    """Hash the code of the given modules, ignoring comments and layout (their syntax trees).

    Examples:
        >>> module_digest(["jax101._checks"]) == module_digest(["jax101._checks"])
        True
        >>> module_digest(["jax101._checks"]) != module_digest(["jax101._data"])
        True
    """
    modules = package_modules(package)
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update(_syntax_digest(modules[name].read_bytes()))
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def _syntax_digest(source: bytes) -> bytes:
    """Hash a module's syntax tree; each module is parsed once however many chapters use it."""
    return hashlib.sha256(ast.dump(ast.parse(source)).encode()).digest()


def install_kernel(kernel_config: Path, prefix: Path = Path(sys.prefix)) -> Path:
    """Write the ``jax101`` kernelspec into ``prefix``, with its IPython profile beside it.

    The kernel is this environment's Python running ipykernel; its kernelspec sets
    ``IPYTHONDIR`` (only in the kernel's environment) to a copy of ``kernel_config``.
    Unchanged files are not rewritten, so concurrent builds do not disturb each other.

    Args:
        kernel_config: The folder holding ``profile_default``.
        prefix: The environment whose ``share/jupyter/kernels`` Jupyter searches.

    Returns:
        The kernelspec's folder.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as prefix:
        ...     spec = install_kernel(Path("conf/ipython"), Path(prefix))
        ...     json.loads((spec / "kernel.json").read_text())["env"]["IPYTHONDIR"].endswith(
        ...         "ipython"
        ...     )
        True
    """
    spec_dir = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    ipython_dir = spec_dir / "ipython"
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (JAX 101 build)",
        "language": "python",
        "env": {"IPYTHONDIR": str(ipython_dir)},
        "metadata": {"debugger": False},
    }
    spec_dir.mkdir(parents=True, exist_ok=True)
    _write_if_changed(spec_dir / "kernel.json", json.dumps(spec, indent=1))
    for source in sorted(kernel_config.rglob("*.py")):
        _write_if_changed(ipython_dir / source.relative_to(kernel_config), source.read_text())
    return spec_dir


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
        handle.write(text)
    Path(handle.name).replace(path)  # atomic: a starting kernel never reads half a file


def _configure(app: Sphinx, config: Config) -> None:
    _app[:] = [app]
    kernel_config = KERNEL_CONFIG
    config.jax101_fingerprint = fingerprint(kernel_config)
    caches = Path(config.jax101_cache_root or Path(app.outdir).parent / ".jupyter_cache")
    current = caches / config.jax101_fingerprint
    if caches.is_dir():
        for stale in caches.iterdir():
            if stale != current and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
    nb_adapter.create_cache(current)
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
    logger.info("preview: executing %s alone; other pages' warnings are not shown", chapter)


KERNELSPEC_ADVICE = (
    "the front matter names no kernelspec, so a reader's Jupyter would have to guess the "
    "kernel.\nWhat to do: add to the front matter, as every chapter has it:\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3"
)
_app: list[Sphinx] = []  # the application, for warnings raised while a notebook is read


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


def provenance_cell(modules: list[str]) -> str:
    """Return the hidden cell's code, its first line naming the modules its outputs used."""
    return f"# jax101 {module_digest(modules)}: {' '.join(modules)}\n{PROVENANCE_CELL}"


def _recorded_uses(cache: str, source: str) -> list[list[str]]:
    uses: list[list[str]] = []
    for notebook in nb_adapter.cached_notebooks(cache, source) if cache else []:
        record = _provenance_output(notebook)
        used = None if record is None else record.get("jax101_modules")
        if used is not None and used not in uses:
            uses.append(used)
    return uses


def _provenance_output(notebook: nbformat.NotebookNode) -> dict[str, Any] | None:
    last = notebook.cells[-1] if notebook.cells else None
    if last is None or PROVENANCE_TAG not in last.get("metadata", {}).get("tags", []):
        return None
    for output in last.get("outputs", []):
        record = output.get("data", {}).get(PROVENANCE_MIME)
        if record is not None:
            return dict(record)
    return None


def _after_execution(
    notebook: nbformat.NotebookNode, source: str, exec_data: dict[str, Any] | None
) -> None:
    _records.pop(source, None)
    _failed_notebooks.pop(source, None)
    if exec_data is not None and not exec_data.get("succeeded"):
        _failed_notebooks[source] = notebook
    record = _provenance_output(notebook)
    if record is None or exec_data is None:
        return
    _records[source] = record
    cell = notebook.cells[-1]
    keyed = provenance_cell(dependencies(record.get("jax101_modules")))
    cache = _app[-1].config.nb_execution_cache_path if _app else ""
    if cell.source != keyed and cache:  # ran under the all-modules key: re-key it
        cell.source = keyed
        nb_adapter.store_in_cache(cache, notebook, source, exec_data.get("runtime") or 0.0)


ADVICE = {
    "CheckFailed": "a claim of the chapter no longer holds: fix the code, the prose or the "
    "expected value",
    "DeprecationWarning": "the chapter uses a deprecated API (warnings are errors in chapter "
    "cells): use its replacement",
    "FutureWarning": "the chapter relies on behaviour that will change (warnings are errors "
    "in chapter cells): write it the new way",
}
DEFAULT_ADVICE = (
    "fix the cell; if the error is what the chapter shows, wrap the code in "
    "`with jax101.expect_error(TYPE, match=..., claim=...):`"
)
TIMEOUT_ADVICE = (
    "make the cell faster (smaller examples), or give this chapter more time in its front "
    "matter:\n    mystnb:\n      execution_timeout: SECONDS"
)
GLUE_KEY_MESSAGE = (
    "the text uses the glue key {key!r}, which no cell of this chapter glues\n"
    "What to do: glue it in a code cell, `glue({key!r}, value, display=False)`, or fix the "
    "name (a key glued by another chapter is written `chapter::{key}`)"
)
TRACEBACK_LINES = 8


def failure_message(
    notebook: nbformat.NotebookNode, exec_data: dict[str, Any], report: Path
) -> tuple[str, int | None]:
    r"""Say which cell of a failed chapter failed, how, and what to do; and the cell's line.

    Args:
        notebook: The chapter as executed (outputs up to the failing cell).
        exec_data: myst-nb's execution record of it (``error``, ``traceback``).
        report: Where the full traceback is kept.

    Returns:
        The message (without the file name, which the warning's location gives) and the
        line of the failing cell in the chapter's source (None when unknown).

    Examples:
        >>> cell = nbformat.v4.new_code_cell("x = 1\nx / 0")
        >>> cell.outputs = [nbformat.v4.new_output(
        ...     "error", ename="ZeroDivisionError", evalue="division by zero",
        ...     traceback=["Traceback", "ZeroDivisionError: division by zero"])]
        >>> notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"source_map": [7]})
        >>> text, line = failure_message(notebook, {"error": "CellExecutionError"},
        ...                              Path("reports/ch.err.log"))
        >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
        cell 1 (`x = 1`) raised ZeroDivisionError: division by zero
            Traceback
            ZeroDivisionError: division by zero
        What to do: fix the cell; if the error is what the chapter shows, wrap the code in
        `with jax101.expect_error(TYPE, match=..., claim=...):`
        (full traceback: reports/ch.err.log)
        >>> line
        7
    """
    cells = list(nb_adapter.code_cells(notebook))
    source_map = notebook.metadata.get("source_map") or []
    index = {id(cell): i for i, cell in enumerate(notebook.cells)}
    failing = next(
        (
            (number, cell, output)
            for number, cell in cells
            for output in cell.get("outputs", [])
            if output.get("output_type") == "error"
        ),
        None,
    )
    error = exec_data.get("error") or "an error"
    if error == "CellTimeoutError":  # nbclient interrupts the cell: KeyboardInterrupt
        number, cell = (
            failing[:2] if failing else _timed_out_cell(cells, exec_data.get("traceback") or "")
        )
        limit = re.search(r"after (\d+) seconds", exec_data.get("traceback") or "")
        what = f"ran past its time limit{f' of {limit[1]} s' if limit else ''}"
        advice = TIMEOUT_ADVICE
        details: list[str] = []
    elif failing is None:
        number, cell = 0, None
        what, advice, details = "", "", []
    else:
        number, cell, output = failing
        what = f"raised {output['ename']}: {output['evalue']}"
        advice = ADVICE.get(output["ename"], DEFAULT_ADVICE)
        details = traceback_excerpt(output.get("traceback", []))
    if cell is None:
        return f"the chapter failed to execute ({error})\nWhat to do: see {report}", None
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    at = index[id(cell)]
    line = source_map[at] if at < len(source_map) else None
    lines = [f"cell {number} (`{first_line}`) {what}", *(f"    {d}" for d in details)]
    lines += [f"What to do: {advice}", f"(full traceback: {report})"]
    return "\n".join(lines), line


def traceback_excerpt(chunks: list[str]) -> list[str]:
    r"""Return the lines of an IPython traceback that show the chapter's own code.

    IPython gives one chunk per frame; a frame in a chapter cell starts ``Cell In[N]``. The
    frames inside libraries (``jax101``'s checks, JAX itself) and the closing exception line
    repeat what the message already says, so only the chapter's frames are kept. A
    traceback without any (a syntax error, say) keeps its last ``TRACEBACK_LINES`` lines.

    Examples:
        >>> chunks = ["----", "CheckFailed   Traceback (most recent call last)",
        ...           "Cell In[1], line 2\n      1 import jax101\n----> 2 jax101.check(False)",
        ...           "File _checks.py:93, in check\n---> 93 raise _fail()",
        ...           "CheckFailed: Claim failed"]
        >>> traceback_excerpt(chunks)
        ['Cell In[1], line 2', '      1 import jax101', '----> 2 jax101.check(False)']
        >>> traceback_excerpt(["Traceback", "ZeroDivisionError: division by zero"])
        ['Traceback', 'ZeroDivisionError: division by zero']
    """
    own = [chunk for chunk in chunks if chunk.startswith("Cell In[")]  # the kernel has no colours
    lines = [line for chunk in own or chunks for line in chunk.splitlines()]
    return lines if own else lines[-TRACEBACK_LINES:]


def _timed_out_cell(cells: list[tuple[int, Any]], traceback: str) -> tuple[int, Any]:
    preview = traceback.split("Here is a preview of the cell contents:", 1)[-1]
    for number, cell in cells:
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else None
        if first and first in preview:
            return number, cell
    unfinished = [(n, c) for n, c in cells if c.get("execution_count") is None]
    return unfinished[0] if unfinished else (0, None)


def yaml_problem(text: str) -> str:
    r"""Say what is wrong with the YAML front matter of a chapter's source, or "".

    Examples:
        >>> yaml_problem("---\ntitle: [open\n---\n# T\n").startswith("while parsing")
        True
        >>> yaml_problem("---\ntitle: fine\n---\n")
        ''
    """
    import yaml  # noqa: PLC0415 - PyYAML comes with myst-parser

    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return ""
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), len(lines))
    try:
        yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        return " ".join(str(error).split())
    return ""


def _front_matter_message(app: Sphinx, docname: str) -> str:
    path = Path(app.env.doc2path(docname))
    problem = yaml_problem(path.read_text(encoding="utf8")) if path.is_file() else ""
    return (
        f"the front matter (between the first two --- lines) is not valid YAML: {problem}\n"
        "What to do: fix it; the front matter of any chapter in docs/ is a model to copy."
    )


def _keep_warning(app: Sphinx, record: Any) -> bool:
    docname = nb_adapter.warning_docname(app, record)
    if docname is not None and nb_adapter.is_malformed_front_matter(record):
        nb_adapter.replace_message(record, _front_matter_message(app, docname))
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
    note = nodes.container(classes=["jax101-provenance"])
    note += nodes.paragraph(
        "",
        "",
        nodes.strong("", "How this page was made."),
        nodes.Text(" " + footer_text(record, exec_data)),
    )
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
        6
    """
    text = source.read_text(encoding="utf8") if source.suffix == ".md" else ""
    return sum(len(cell) for cell in CODE_CELL.findall(text))


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
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
