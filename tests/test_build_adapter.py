"""The adapter's promises about myst-nb, jupyter-cache, Sphinx and the theme, tested in process.

One tiny fixture book (``tests/roots/test-adapter``: a chapter that passes, one that raises)
is built once with ``sphinx.testing``; each test checks one function of ``nb_adapter``
against what the libraries actually did. An upgrade that changes a relied-on behaviour
fails here first, naming the function.
"""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import jax
import nbformat
import pytest
from sphinx.testing.util import SphinxTestApp

import execution
import nb_adapter
import provenance

ROOTS = Path(__file__).parent / "roots"

pytestmark = [
    pytest.mark.slow,
    # sphinx-book-theme 1.1 reads a transform's deprecated ``app``; not ours to fix.
    pytest.mark.filterwarnings("ignore:'sphinx_book_theme."),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SphinxTestApp]:
    builddir = tmp_path_factory.mktemp("adapter")
    started = time.time()
    app = SphinxTestApp(
        "html",
        srcdir=ROOTS / "test-adapter",  # read in place; everything built goes to builddir
        builddir=builddir,
        status=StringIO(),
        warning=StringIO(),
    )
    marker = builddir / "kernel-exited"
    with pytest.MonkeyPatch.context() as patch:  # the kernels inherit the environment
        patch.setenv("JAX101_KERNEL_EXIT_MARKER", str(marker))
        app.build()
    app.exit_marker = marker  # type: ignore[attr-defined]
    app.started = started  # type: ignore[attr-defined]
    yield app
    app.cleanup()


def html(app: SphinxTestApp, page: str) -> str:
    return (Path(app.outdir) / f"{page}.html").read_text()


def test_around_execution_reads_the_kernels_provenance(app):
    record = provenance.provenance_of(app.env, "passes")
    assert record is not None
    assert record["checks"] == 1  # the chapter runs exactly one check
    assert record["backend"] == jax.default_backend()
    assert record["devices"] == f"{jax.local_device_count()} x {jax.devices()[0].device_kind}"
    assert provenance.provenance_of(app.env, "fails") is None  # stopped before the last cell


def test_exec_data_has_time_runtime_and_status(app):
    passed = nb_adapter.exec_data(app.env, "passes")
    failed = nb_adapter.exec_data(app.env, "fails")
    assert passed is not None
    assert failed is not None
    assert app.started <= passed["mtime"] <= time.time()
    assert 0 < passed["runtime"] < time.time() - app.started
    assert passed["succeeded"]
    assert not failed["succeeded"]
    assert failed["error"] == "CellExecutionError"
    assert "deliberately" in failed["traceback"]
    assert nb_adapter.exec_data(app.env, "index") is None


def test_executed_docnames_are_the_notebooks(app):
    assert nb_adapter.executed_docnames(app.env) == {"passes", "fails"}


def test_notebook_output_path_holds_the_notebook_with_the_provenance_cell(app):
    path = nb_adapter.notebook_output_path(app.env, "passes")
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[-1].source.endswith(provenance.PROVENANCE_CELL)
    merged = nb_adapter.merge_cached_outputs(notebook, app.config.nb_execution_cache_path)
    outputs = merged.cells[-1].outputs
    assert any(provenance.PROVENANCE_MIME in output.get("data", {}) for output in outputs)


def test_create_cache_made_the_database(app):
    assert (Path(app.config.nb_execution_cache_path) / "global.db").is_file()


def test_reports_folder_holds_the_failed_chapters_traceback(app):
    # myst-nb wrote it into the HTML folder; the build moved it out when it finished.
    assert not nb_adapter.reports_folder(app).exists()
    report = execution.reports_target(app) / "fails.err.log"
    assert "ValueError: deliberately" in report.read_text()


def test_theme_offers_the_published_notebook(app):
    assert "_sources/passes.ipynb" in html(app, "passes")
    priorities = {
        listener.priority
        for listener in app.events.listeners["html-page-context"]
        if listener.handler.__module__.startswith("sphinx_book_theme")
    }
    assert nb_adapter.THEME_PAGE_CONTEXT_PRIORITY in priorities


def test_config_dumps_come_through_the_named_loggers(app):
    known = logging.Logger.manager.loggerDict
    assert all(name in known for name in nb_adapter.CONFIG_DUMP_LOGGERS)
    status = app.status.getvalue()
    assert "Running Sphinx" in status
    assert all(f"{name}(" not in status for name in nb_adapter.CONFIG_DUMP_CLASSES)


def test_titles_and_reading_order(app):
    assert nb_adapter.title(app.env, "passes") == "A chapter that passes"
    assert nb_adapter.reading_order(app.env) == ["index", "passes", "fails"]


def test_footer_and_build_report(app):
    page = html(app, "passes")
    record = provenance.provenance_of(app.env, "passes")
    when = datetime.datetime.fromtimestamp(
        nb_adapter.exec_data(app.env, "passes")["mtime"], datetime.UTC
    )
    assert "How this page was made." in page
    assert f"Outputs computed {when:%Y-%m-%d %H:%M} UTC" in page
    assert f"{record['devices']}); 1 check passed." in page
    assert "How this page was made." not in html(app, "fails")
    report = html(app, "index")
    assert "FAILED (CellExecutionError)" in report
    assert (
        'The answer is <span class="pasted-text">42' in page
    )  # glue still works with the appended cell


def test_warning_docname_understands_every_location_form(app):
    def record(location: object) -> logging.LogRecord:
        made = logging.LogRecord("sphinx", logging.WARNING, "", 0, "w", (), None)
        made.location = location  # type: ignore[attr-defined]
        return made

    source = str(Path(app.srcdir) / "passes.md")
    assert nb_adapter.warning_docname(app, record(("passes", 3))) == "passes"
    assert nb_adapter.warning_docname(app, record("passes")) == "passes"
    assert nb_adapter.warning_docname(app, record(f"{source}:12")) == "passes"
    assert nb_adapter.warning_docname(app, record(None)) is None


def test_each_kernel_is_killed_once_its_cells_ran(app):
    # passes.md registers an exit handler that writes the marker; a kernel asked to shut
    # down runs it, a killed one does not. Its cells all ran: the chapter passed.
    assert nb_adapter.exec_data(app.env, "passes")["succeeded"]
    assert not app.exit_marker.exists()


def test_extend_source_map_adds_a_line_for_an_appended_cell():
    notebook = nbformat.v4.new_notebook(metadata={"source_map": [3, 9]})
    notebook.cells = [nbformat.v4.new_code_cell("1") for _ in range(3)]
    nb_adapter.extend_source_map(notebook)
    assert notebook.metadata.source_map == [3, 9, 9]


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, monkeypatch):
    # Where jupyter-cache 1.0 starts the kernel; the first start fails as a port race does.
    import jupyter_cache.executors.utils as executors  # noqa: PLC0415

    real, starts = executors.executenb, []

    def executenb(*args: object, **kwargs: object) -> object:
        starts.append(1)
        if len(starts) == 1:
            raise RuntimeError(nb_adapter.KERNEL_START_FAILED)
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "executenb", executenb)
    app = SphinxTestApp("html", srcdir=ROOTS / "test-adapter", builddir=tmp_path, status=StringIO())
    try:
        app.build()
        assert len(starts) == 3  # the first chapter read started twice, the other once
        passed = nb_adapter.exec_data(app.env, "passes")
        failed = nb_adapter.exec_data(app.env, "fails")
        assert passed is not None
        assert failed is not None
        assert passed["succeeded"]
        assert failed["error"] == "CellExecutionError"  # its cells ran, up to the raise
        assert provenance.provenance_of(app.env, "passes") is not None
    finally:
        app.cleanup()


def test_a_kernel_too_slow_to_answer_is_started_again():
    calls = []

    def slow_then_fine() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f"{nb_adapter.KERNEL_START_SLOW} 60 seconds")

    nb_adapter.start_retrying_once(slow_then_fine, "docs/arrays.md")
    assert len(calls) == 2


def test_a_kernel_that_dies_twice_or_another_error_is_not_hidden():
    def dies() -> None:
        raise RuntimeError(nb_adapter.KERNEL_START_FAILED)

    def fails() -> None:
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="kernel_info"):
        nb_adapter.start_retrying_once(dies, "docs/arrays.md")
    calls = []
    with pytest.raises(RuntimeError, match="something else"):
        nb_adapter.start_retrying_once(lambda: (calls.append(1), fails()), "docs/arrays.md")
    assert len(calls) == 1


def test_parallel_reads_hand_out_one_document_at_a_time(app):
    import sphinx.builders  # noqa: PLC0415

    sphinx_read = sphinx.builders.Builder._read_parallel.__wrapped__
    # Sphinx 9.0 looks the name up in its module each time it reads in parallel.
    assert "make_chunks" in sphinx_read.__code__.co_names
    sphinx_chunks, seen = sphinx.builders.make_chunks, []

    def read(_self: object, docnames: list[str], nproc: int) -> None:
        seen.append(sphinx.builders.make_chunks(docnames, nproc))

    nb_adapter._reading_one_per_chunk(read)(app.builder, list("abcdefghijkl"), 2)
    assert seen == [[[name] for name in nb_adapter.started_in_order(list("abcdefghijkl"), 2)]]
    assert sphinx.builders.make_chunks is sphinx_chunks  # writing keeps Sphinx's chunks
    assert len(sphinx_chunks(list("abcdefghijkl"), 2)) == 2


# Run in a fresh interpreter: Sphinx forks, and forking this one (JAX is loaded) warns.
START_ORDER = """
import sys, time
from pathlib import Path
from sphinx.util.parallel import ParallelTasks
sys.path.insert(0, sys.argv[1])
import nb_adapter
import provenance
log = Path(sys.argv[2])
def task(name):
    with log.open("a") as file:
        file.write(name + "\\n")
    time.sleep(0.1)  # long enough that every task is queued before a slot frees
tasks = ParallelTasks(2)
for name in nb_adapter.started_in_order(list("abcdef"), 2):
    tasks.add_task(task, name)
tasks.join()
"""


def test_sphinx_starts_the_arranged_tasks_in_the_given_order(tmp_path):
    log = tmp_path / "started"
    extensions = str(Path(nb_adapter.__file__).parent)
    subprocess.run([sys.executable, "-c", START_ORDER, extensions, str(log)], check=True)
    started = log.read_text().split()
    # Two slots free at once, so tasks start in pairs; which of a pair logs first is a race.
    pairs = [sorted(started[i : i + 2]) for i in range(0, 6, 2)]
    assert pairs == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_the_longest_chapter_last_time_is_read_first(app):
    docnames = ["index", "fails", "passes"]
    execution._longest_first(app, app.env, docnames)
    runtimes = [(nb_adapter.exec_data(app.env, doc) or {}).get("runtime") or 0 for doc in docnames]
    assert docnames[-1] == "index"  # never executed
    assert runtimes == sorted(runtimes, reverse=True)


def test_a_cold_build_reads_the_chapter_with_most_code_first(app, monkeypatch):
    monkeypatch.setattr(nb_adapter, "exec_data", lambda _env, _doc: None)  # nothing ran yet
    docnames = ["index", "fails", "passes"]
    execution._longest_first(app, app.env, docnames)
    lengths = [execution.code_length(app.env.doc2path(doc)) for doc in docnames]
    assert docnames == ["passes", "fails", "index"]  # passes.md has the most code
    assert lengths == sorted(lengths, reverse=True)
    assert lengths[-1] == 0  # the index has no code cell


def test_a_record_another_reader_is_still_writing_is_not_pruned(tmp_path):
    """jupyter-cache 1.0's race, made to happen: a record with no notebook file yet."""
    from jupyter_cache import get_cache  # noqa: PLC0415
    from jupyter_cache.cache.db import NbCacheRecord  # noqa: PLC0415
    from jupyter_cache.cache.main import JupyterCacheBase  # noqa: PLC0415

    nb_adapter.truncate_cache_only_when_full()  # as the book's build does (once per process)
    unguarded = JupyterCacheBase.truncate_caches.__wrapped__

    cache = get_cache(tmp_path / "cache")
    half_written = NbCacheRecord.create_record(uri="other.ipynb", hashkey="x", db=cache.db)
    real = NbCacheRecord.records_to_delete
    racing = staticmethod(lambda keep, db: [half_written.pk])  # what the race returns
    NbCacheRecord.records_to_delete = racing
    try:
        with pytest.raises(KeyError, match="does not exist"):
            unguarded(cache)  # jupyter-cache's own pruning
        cache.truncate_caches()  # one record against a limit of 1000: nothing to prune
    finally:
        NbCacheRecord.records_to_delete = real
    assert [r.pk for r in cache.list_cache_records()] == [half_written.pk]
