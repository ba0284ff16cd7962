"""The one place where the book relies on what myst-nb, jupyter-cache, Sphinx and the theme do.

The book's extensions (``execution``, ``build_report``, ``notebook_download``,
``quiet_log``) use these functions and constants instead of reaching into the libraries
themselves. Each says which version's behaviour it relies on; ``tests/test_build_adapter.py``
exercises every one of them in process, on tiny fixture books built with
``sphinx.testing``, so an upgrade that changes one of them fails there, in one fast test.

Versions relied on (the locked ones): Sphinx 9.0, myst-nb 1.4, jupyter-cache 1.0,
nbclient 0.11, jupyter-client 8, sphinx-book-theme 1.1/1.4, nbformat 5.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

# The theme's own html-page-context handlers run at this priority (sphinx-book-theme 1.x:
# ``app.connect("html-page-context", add_header_buttons, priority=501)``); a handler that
# sets ``ipynb_source`` must run before it.
THEME_PAGE_CONTEXT_PRIORITY = 501

# The loggers through which myst-parser 5 and myst-nb 1.4 log their configuration objects,
# and the class names of those objects.
CONFIG_DUMP_LOGGERS = ("sphinx.myst_parser.sphinx_ext.main", "sphinx.myst_nb.sphinx_ext")
CONFIG_DUMP_CLASSES = frozenset({"MdParserConfig", "NbParserConfig"})

# Routine lines that the book's own log says better, once: Sphinx 9's list of configuration
# values that differ from the pickled environment's (``BuildEnvironment._config_status``;
# the theme and extensions change some after the comparison, so it names them on every
# build) and myst-nb 1.4's line for each page a ``--only`` preview does not execute
# (``create_client``).
CONFIG_CHANGED_PREFIX = "The configuration has changed"
EXCLUDED_PREFIX = "Excluded from execution by pattern"

# Hooks called as each code cell starts executing, started(source, notebook, index), and
# when it has finished or the notebook stopped, finished(source); see around_cells.
CellStarted = Callable[[str, nbformat.NotebookNode, int], None]
CellFinished = Callable[[str], None]
_cell_started: list[CellStarted] = []
_cell_finished: list[CellFinished] = []
_executing: list[str] = []  # the source of the notebook this process is executing

# Hooks called around every notebook myst-nb reads: before(notebook, path) may change the
# notebook before it is executed or looked up in the cache; after(notebook, path,
# exec_data) sees it with its outputs and myst-nb's execution record (see exec_data).
BeforeHook = Callable[[nbformat.NotebookNode, str], None]
AfterHook = Callable[[nbformat.NotebookNode, str, dict[str, Any] | None], None]
_before: list[BeforeHook] = []
_after: list[AfterHook] = []

# myst-nb 1.4's own warnings about a failed execution (``NotebookClientCache.start_client``
# and ``Parser.parse``): the book replaces them with one clear message per chapter.
EXECUTION_FAILED_PREFIXES = ("Executing notebook failed", "Notebook exception traceback saved in")

# jupyter-client 8's error when a kernel exits before it answers its first request
# (``KernelClient._async_wait_for_ready``). In a parallel build its usual cause is a port
# race: the kernel manager picks free ports and closes them, and before the kernel binds
# them another process (a second kernel, a browser, a test server) takes one.
KERNEL_START_FAILED = "Kernel died before replying to kernel_info"
# nbclient's other failure before any cell runs: a kernel too slow to answer its first request
# (seen once in a clean-clone test run on a busy 2-core machine).
KERNEL_START_SLOW = "Kernel didn't respond in"


def around_execution(before: BeforeHook, after: AfterHook) -> None:
    """Call ``before`` and ``after`` around each notebook's execution (or cache lookup).

    Relies on myst-nb 1.4: ``myst_nb.sphinx_.Parser.parse`` calls the module-level name
    ``create_client(notebook, document_path, nb_config, logger, read_fmt)`` and uses the
    returned client as a context manager whose entry executes the notebook in place or
    merges its cached outputs into ``client.notebook``. The notebook ``before`` changes is
    the one hashed by jupyter-cache and written to myst-nb's output folder.

    Args:
        before: Called with the notebook and its source path before execution.
        after: Called with the executed notebook (with its outputs, glue included), its
            path and the client's ``exec_metadata`` (None when the notebook was excluded
            from execution).
    """
    import myst_nb.sphinx_  # noqa: PLC0415 - patched once, on first use

    if before not in _before:  # set-up runs once per Sphinx application in a process
        _before.append(before)
    if after not in _after:
        _after.append(after)
    original = myst_nb.sphinx_.create_client
    if getattr(original, "_jax101_wrapped", False):
        return

    @functools.wraps(original)
    def create_client(notebook: Any, source: str, *args: Any, **kwargs: Any) -> Any:
        for hook in _before:
            hook(notebook, str(source))
        return _Client(original(notebook, source, *args, **kwargs), str(source))

    create_client._jax101_wrapped = True  # type: ignore[attr-defined]
    myst_nb.sphinx_.create_client = create_client


class _Client:
    """Delegates to myst-nb's client; calls the ``after`` hooks once it has entered."""

    def __init__(self, client: Any, source: str) -> None:
        self._client = client
        self._source = source

    def __enter__(self) -> Any:
        # myst-nb 1.4's ``__enter__`` runs ``start_client`` (execute, or merge the cached
        # outputs) and then ``extract_glue_data``, which deletes the glue outputs from
        # ``client.notebook``. The hooks get the notebook as it was between the two, so a
        # notebook they store in the cache keeps its glue.
        inner, executed = self._client, []
        start = inner.start_client

        def start_client() -> None:
            _executing[:] = [self._source]
            try:
                start_retrying_once(start, self._source)
            finally:
                _executing.clear()
            executed.append(copy.deepcopy(inner.notebook))

        inner.start_client = start_client
        client = inner.__enter__()
        notebook = executed[0] if executed else client.notebook
        for hook in _after:
            hook(notebook, self._source, client.exec_metadata)
        return client

    def __exit__(self, *exc_info: object) -> Any:
        return self._client.__exit__(*exc_info)


def start_retrying_once(start: Callable[[], None], source: str) -> None:
    """Run myst-nb's ``start_client``; if the kernel failed to start, run it once more.

    A kernel that dies, or does not answer, before its first reply has run no cell, so
    starting again is safe:
    myst-nb 1.4 looks the notebook up in the cache again and jupyter-cache 1.0 adds it to
    its project idempotently. A kernel that fails twice raises as before.

    Example:
        >>> calls = []
        >>> def start() -> None:
        ...     calls.append(1)
        ...     if len(calls) == 1:
        ...         raise RuntimeError(KERNEL_START_FAILED)
        >>> start_retrying_once(start, "docs/arrays.md")
        >>> len(calls)
        2
    """
    try:
        start()
    except RuntimeError as error:
        if not any(sign in str(error) for sign in (KERNEL_START_FAILED, KERNEL_START_SLOW)):
            raise
        from sphinx.util import logging  # noqa: PLC0415

        logging.getLogger(__name__).info(
            f"{source}: the kernel failed to start ({error}); starting another"
        )
        start()


def kill_each_kernel_when_done() -> None:
    """Have each chapter's kernel killed once its last cell has run, not asked to shut down.

    Relies on myst-nb 1.4: ``NotebookClientCache.start_client`` executes through the
    module-level name ``single_nb_execution`` of ``myst_nb.core.execute.cache``; jupyter-cache
    1.0 passes extra keyword arguments to nbclient 0.11's ``NotebookClient``, whose
    ``shutdown_kernel="immediate"`` makes jupyter-client 8 send SIGKILL to the kernel's
    process group. The default asks the kernel to shut down and polls until it exits,
    0.6-3.5 s a chapter here, inside the chapter's execution time. By then every output
    has arrived, and no chapter relies on its kernel's exit handlers.
    """
    import myst_nb.core.execute.cache as cache_mode  # noqa: PLC0415 - patched once

    execute = cache_mode.single_nb_execution
    if getattr(execute, "_jax101_wrapped", False):
        return

    @functools.wraps(execute)
    def single_nb_execution(notebook: Any, *args: Any, **kwargs: Any) -> Any:
        source = _executing[0] if _executing else ""
        hooks = _cell_hooks(source, notebook)
        try:
            return execute(notebook, *args, shutdown_kernel="immediate", **hooks, **kwargs)
        finally:
            for finished in _cell_finished:
                finished(source)

    single_nb_execution._jax101_wrapped = True  # type: ignore[attr-defined]
    cache_mode.single_nb_execution = single_nb_execution


def truncate_cache_only_when_full() -> None:
    """Have jupyter-cache prune old notebooks only when it holds more than its limit.

    Relies on jupyter-cache 1.0: ``cache_notebook_bundle`` creates the record, then writes
    the notebook, then calls ``truncate_caches``, which lists the records to keep and the
    records to delete in two queries. With two parallel readers, a record the other process
    created between those queries is in neither the kept list nor on disk yet, and
    ``remove_cache`` raises ``KeyError: Notebook file does not exist for cache record``
    (seen in a clean-clone test run). The book's cache holds a few dozen notebooks against
    a limit of 1000, so checking the count first leaves nothing to race over.
    """
    from jupyter_cache.cache.main import JupyterCacheBase  # noqa: PLC0415 - patched once

    truncate = JupyterCacheBase.truncate_caches
    if getattr(truncate, "_jax101_wrapped", False):
        return

    @functools.wraps(truncate)
    def truncate_caches(self: Any) -> None:
        if len(self.list_cache_records()) > self.get_cache_limit():
            truncate(self)

    truncate_caches._jax101_wrapped = True  # type: ignore[attr-defined]
    JupyterCacheBase.truncate_caches = truncate_caches  # type: ignore[method-assign]


def around_cells(started: CellStarted, finished: CellFinished) -> None:
    """Call ``started`` as each code cell starts executing and ``finished`` when it is done.

    Relies on nbclient 0.11's ``on_cell_execute`` and ``on_cell_executed`` hooks of
    ``NotebookClient``, which jupyter-cache 1.0 passes through (see
    ``kill_each_kernel_when_done``, which must be set up too). ``finished`` is also called
    when the notebook stops (a failed or timed-out cell calls no ``on_cell_executed``).

    Args:
        started: Called with the notebook's source path, the notebook and the index of the
            cell in ``notebook.cells``.
        finished: Called with the notebook's source path.
    """
    if started not in _cell_started:
        _cell_started.append(started)
    if finished not in _cell_finished:
        _cell_finished.append(finished)


def _cell_hooks(source: str, notebook: Any) -> dict[str, Callable[..., None]]:
    def on_cell_execute(cell_index: int, **_: Any) -> None:
        for started in _cell_started:
            started(source, notebook, cell_index)

    def on_cell_executed(**_: Any) -> None:
        for finished in _cell_finished:
            finished(source)

    return {"on_cell_execute": on_cell_execute, "on_cell_executed": on_cell_executed}


def drop_log_lines(drop: Callable[[Any], bool]) -> None:
    """Drop the log records for which ``drop(record)`` holds, at any level, before they print.

    Relies on Sphinx 9: ``sphinx.util.logging.setup`` puts the handlers that print on the
    ``sphinx`` logger; parallel workers' records are handled again by them in the main
    process. Call it once per application (each sets up new handlers).
    """
    import logging  # noqa: PLC0415

    from sphinx.util.logging import NAMESPACE  # noqa: PLC0415

    class _Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not drop(record)

    for handler in logging.getLogger(NAMESPACE).handlers:
        handler.filters.insert(0, _Drop())


def is_config_changed_line(record: Any) -> bool:
    """Tell whether a log record is Sphinx's "The configuration has changed" line."""
    return str(record.msg).startswith(CONFIG_CHANGED_PREFIX)


def is_excluded_line(record: Any) -> bool:
    """Tell whether a log record is myst-nb's line for a page excluded from execution."""
    return str(record.msg).startswith(EXCLUDED_PREFIX)


def read_one_document_per_task() -> None:
    """Have Sphinx's parallel read hand each process one document at a time.

    Relies on Sphinx 9.0: ``Builder._read_parallel`` splits the documents with the
    module-level name ``sphinx.builders.make_chunks``, and ``ParallelTasks`` starts the
    next chunk as soon as a process is free. Sphinx's chunks are consecutive runs of the
    list (20 pages on 2 processes: two halves of 10), so one process could get every long
    chapter while the other idles; with one document per chunk, each process takes the
    next chapter when it is done with one, in the order of the list (see
    ``started_in_order``). A chunk costs a fork and a pickled environment
    (a few MB), small beside a chapter's execution. Writing keeps Sphinx's chunks: each
    writing process starts its own KaTeX server, which takes longer than a page.
    """
    import sphinx.builders  # noqa: PLC0415 - patched once, on first use

    builder = sphinx.builders.Builder
    if not getattr(builder._read_parallel, "_jax101_wrapped", False):
        builder._read_parallel = _reading_one_per_chunk(builder._read_parallel)  # type: ignore[method-assign]


def started_in_order(tasks: list[Any], nproc: int) -> list[Any]:
    """Arrange ``tasks`` so that Sphinx's ``ParallelTasks`` starts them in their given order.

    Relies on Sphinx 9.0: ``ParallelTasks.add_task`` starts a task at once while fewer than
    ``nproc`` run; the others wait in a dict from which ``popitem`` takes the one added
    last. So the first ``nproc`` go first as given, and the rest go in reverse.

    Example:
        >>> started_in_order(["a", "b", "c", "d", "e"], 2)
        ['a', 'b', 'e', 'd', 'c']
    """
    return tasks[:nproc] + tasks[nproc:][::-1]


def _reading_one_per_chunk(read_parallel: Callable[..., None]) -> Callable[..., None]:
    """Wrap Sphinx's ``_read_parallel`` so that its chunks hold one document each."""
    import sphinx.builders  # noqa: PLC0415

    def one_per_chunk(arguments: Any, nproc: int, _maxbatch: int = 10) -> list[list[Any]]:
        return [[argument] for argument in started_in_order(list(arguments), nproc)]

    @functools.wraps(read_parallel)
    def _read_parallel(self: Any, docnames: list[str], nproc: int) -> None:
        sphinx_chunks = sphinx.builders.make_chunks
        sphinx.builders.make_chunks = one_per_chunk  # type: ignore[assignment]
        try:
            read_parallel(self, docnames, nproc)
        finally:
            sphinx.builders.make_chunks = sphinx_chunks

    _read_parallel._jax101_wrapped = True  # type: ignore[attr-defined]
    return _read_parallel


def extend_source_map(notebook: nbformat.NotebookNode) -> None:
    """Give a cell appended to a notebook read from MyST a line number (its source's last).

    myst-nb 1.4's MyST reader stores the first line of every cell in
    ``notebook.metadata.source_map`` and its execution client indexes that list by cell.
    """
    source_map = notebook.metadata.get("source_map")
    if source_map is not None and len(source_map) < len(notebook.cells):
        source_map.append(source_map[-1] if source_map else 0)


def exec_data(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """Return myst-nb's execution record of a page, or None if it was not executed.

    Relies on myst-nb 1.4's ``NbMetadataCollector.get_exec_data``: a dict with ``mtime``
    (POSIX time the outputs were computed: cache creation time for a cached notebook),
    ``runtime`` (seconds, the cache's ``execution_seconds``), ``method``, ``succeeded``,
    ``error`` (exception class name) and ``traceback``.
    """
    from myst_nb.sphinx_ import NbMetadataCollector  # noqa: PLC0415

    data = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("exec_data")
    return dict(data) if data else None


def executed_docnames(env: BuildEnvironment) -> set[str]:
    """Return the pages that have a myst-nb execution record (myst-nb 1.4)."""
    from myst_nb.sphinx_ import NbMetadataCollector  # noqa: PLC0415

    return {
        doc for doc, data in NbMetadataCollector.get_doc_data(env).items() if data.get("exec_data")
    }


def notebook_output_path(env: BuildEnvironment, docname: str) -> Path:
    """Return where myst-nb wrote a page's notebook (myst-nb 1.4).

    myst-nb writes each notebook page, as it was executed but *without* outputs in cache
    mode, to ``<env.mystnb_config.output_folder>/<docname>.ipynb`` (the folder is
    ``<outdir>/../jupyter_execute``).
    """
    return Path(env.mystnb_config.output_folder, f"{docname}.ipynb")


def merge_cached_outputs(notebook: nbformat.NotebookNode, cache: str) -> nbformat.NotebookNode:
    """Return ``notebook`` with the outputs cached for it, unchanged when none are.

    Relies on jupyter-cache 1.0's ``get_cache(path).merge_match_into_notebook``, which
    raises ``KeyError`` when no cached notebook has the same code cells and kernelspec.
    """
    from jupyter_cache import get_cache  # noqa: PLC0415

    try:
        return get_cache(cache).merge_match_into_notebook(notebook)[1]
    except KeyError:
        return notebook


def cached_notebooks(cache: str, uri: str) -> list[nbformat.NotebookNode]:
    """Return the notebooks cached for the source ``uri`` (newest first).

    Relies on jupyter-cache 1.0: ``list_cache_records()`` (records with ``uri``, ``pk``,
    ``created``) and ``get_cache_bundle(pk).nb``; myst-nb 1.4 caches a page under the
    absolute path of its source.
    """
    from jupyter_cache import get_cache  # noqa: PLC0415

    store = get_cache(cache)
    records = [r for r in store.list_cache_records() if r.uri == uri]
    records.sort(key=lambda r: r.created, reverse=True)
    return [store.get_cache_bundle(r.pk).nb for r in records]


def in_cache(cache: str, notebook: nbformat.NotebookNode) -> bool:
    """Tell whether jupyter-cache 1.0 has a notebook with the same code cells and kernel."""
    from jupyter_cache import get_cache  # noqa: PLC0415

    try:
        get_cache(cache).match_cache_notebook(notebook)
    except KeyError:
        return False
    return True


def store_in_cache(cache: str, notebook: nbformat.NotebookNode, uri: str, seconds: float) -> None:
    """Cache an executed notebook under its own code cells (jupyter-cache 1.0), as myst-nb does.

    myst-nb 1.4 stores ``CacheBundleIn(notebook, uri, data={"execution_seconds": ...})`` with
    ``check_validity=False, overwrite=True``; the same is done here for a notebook whose
    hidden cell changed after it ran.
    """
    from jupyter_cache import get_cache  # noqa: PLC0415
    from jupyter_cache.base import CacheBundleIn  # noqa: PLC0415

    bundle = CacheBundleIn(notebook, uri, data={"execution_seconds": seconds})
    get_cache(cache).cache_notebook_bundle(bundle, check_validity=False, overwrite=True)


def create_cache(path: Path) -> None:
    """Create jupyter-cache's database in ``path`` now, before parallel readers start.

    jupyter-cache 1.0 creates ``<path>/global.db`` (SQLite) lazily on the first access of
    ``JupyterCacheBase.db``; two processes doing that at once on an empty cache race.
    """
    from jupyter_cache import get_cache  # noqa: PLC0415

    path.mkdir(parents=True, exist_ok=True)
    get_cache(path).db  # noqa: B018 - the property creates the database


def reports_folder(app: Sphinx) -> Path:
    """Return where myst-nb 1.4 writes a failed notebook's traceback: ``<outdir>/reports``."""
    return Path(app.outdir) / "reports"


def set_ipynb_source(context: dict[str, Any], filename: str) -> None:
    """Make sphinx-book-theme's download menu offer ``_sources/<filename>``.

    sphinx-book-theme 1.x adds an ".ipynb" download entry when the page context has
    ``ipynb_source`` (a path relative to ``_sources``), read by its handler at priority
    :data:`THEME_PAGE_CONTEXT_PRIORITY`.
    """
    context["ipynb_source"] = filename


def ipynb_source(context: dict[str, Any]) -> str | None:
    """Return the notebook a page offers for download (see :func:`set_ipynb_source`)."""
    return context.get("ipynb_source")


def add_header_button(context: dict[str, Any], button: dict[str, str]) -> bool:
    """Append ``button`` to the page's header buttons; return False on a page that has none.

    sphinx-book-theme 1.x fills ``header_buttons`` (a list of dicts with ``type``, ``url``,
    ``tooltip``, ``icon``, ``text`` and ``label``) in its handler at priority
    :data:`THEME_PAGE_CONTEXT_PRIORITY`, so call this from a later handler.
    """
    if "header_buttons" not in context:
        return False
    context["header_buttons"].append(button)
    return True


def title(env: BuildEnvironment, docname: str) -> str:
    """Return a page's title as plain text (Sphinx 9: ``env.titles``), or its name."""
    node = env.titles.get(docname)
    return node.astext() if node is not None else docname


def reading_order(env: BuildEnvironment) -> list[str]:
    """Return the pages reachable from the root document's toctrees, depth first.

    Relies on Sphinx 9's ``env.toctree_includes`` (docname -> included docnames, in order).
    """
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def warning_docname(app: Sphinx, record: Any) -> str | None:
    """Return the page a Sphinx warning record is about, or None when it names none.

    Sphinx 9's ``SphinxLoggerAdapter`` stores ``location=`` on the record as given: a
    docname, a ``(docname, line)`` pair, a docutils node, or (when replayed from a parallel
    worker) the already translated ``"path:line"`` string.
    """
    location = getattr(record, "location", None)
    if location is None:
        return None
    if isinstance(location, tuple):
        location = location[0]
    if isinstance(location, nodes.Node):
        location = location.source or (location.document and location.document["source"])
        if not location:
            return None
    text = re.sub(r"(:\d+)+$", "", str(location))  # "path:line" -> "path"
    path = Path(text)
    if path.is_absolute():
        return app.env.path2doc(path) if path.is_relative_to(app.srcdir) else None
    return text if text in app.env.found_docs else None


def add_warning_filter(app: Sphinx, keep: Callable[[Any], bool]) -> None:
    """Drop the warnings for which ``keep(record)`` is false before Sphinx counts them.

    Sphinx 9 counts a warning (for ``-W``) in ``WarningSuppressor``, the second filter of
    the ``WarningStreamHandler`` on the ``sphinx`` logger; a filter put first sees every
    warning before it is counted, from the main process and from parallel workers.
    """
    import logging  # noqa: PLC0415

    from sphinx.util.logging import NAMESPACE, WarningStreamHandler  # noqa: PLC0415

    class _Keep(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return keep(record)

    for handler in logging.getLogger(NAMESPACE).handlers:
        if isinstance(handler, WarningStreamHandler):
            handler.filters.insert(0, _Keep())


def is_execution_failure(record: Any) -> bool:
    """Tell whether a warning record is one of myst-nb's own execution-failure warnings."""
    return str(record.getMessage()).startswith(EXECUTION_FAILED_PREFIXES)


def is_glue_warning(record: Any) -> bool:
    """Tell whether a warning is myst-nb's about a glue key (myst-nb 1.4: subtype "glue")."""
    return getattr(record, "subtype", None) == "glue" or ".glue]" in str(record.getMessage())


MISSING_GLUE_KEY = re.compile(r"No key '([^']+)' found in glue data")


def missing_glue_key(record: Any) -> str | None:
    """Return the key of myst-nb 1.4's "No key 'KEY' found in glue data" warning, else None.

    Examples:
        >>> import logging
        >>> text = "No key 'n' found in glue data for this document. [mystnb.glue]"
        >>> missing_glue_key(logging.LogRecord("sphinx", 30, "", 0, text, (), None))
        'n'
    """
    match = MISSING_GLUE_KEY.search(str(record.getMessage()))
    return match[1] if match else None


def is_malformed_front_matter(record: Any) -> bool:
    """Tell whether a warning is myst-parser 5's "Malformed YAML" (subtype ``topmatter``)."""
    return str(record.getMessage()).startswith("Malformed YAML")


def is_missing_jupytext_header(record: Any) -> bool:
    """Tell whether a warning is myst-nb 1.4's "Jupytext header content was missing"."""
    return "Jupytext header content was missing" in str(record.getMessage())


def replace_message(record: Any, message: str) -> None:
    """Give a warning record a new message (Sphinx formats ``msg % args`` when it prints)."""
    record.msg = message
    record.args = ()


def code_cells(notebook: nbformat.NotebookNode) -> Iterator[tuple[int, Any]]:
    """Yield ``(number, cell)`` for the code cells, numbered from 1 as a reader counts them."""
    number = 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            number += 1
            yield number, cell


def to_json(value: object) -> str:
    """Serialise a record for a notebook output (plain JSON; nbformat 5 stores it as is)."""
    return json.dumps(value, sort_keys=True)
