"""``tools/compat.py`` writes a compatibility record; the Compatibility page renders it.

The record is made from two tiny fixture chapters, one whose claim holds and one whose
claim fails, run as the tool runs the book's chapters (a process each, ``PYTHONPATH=src``);
the stand-ins for myst-nb and IPython, used where those are not installed, are tried in a
process that cannot find them. The page is the book's own
``docs/appendix/compatibility.md``, built in process with that record, and with none.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import compat
import pytest
from booktools import ROOT, chapter
from sphinx.testing.util import SphinxTestApp

import compat_records
import provenance

PASSES = chapter(
    "Passes",
    "import jax.numpy as jnp\nfrom IPython.display import Markdown\nfrom myst_nb import glue",
    "total = jnp.arange(4).sum()\nglue('total', Markdown(str(int(total))))\n%timeit total + 1",
    "assert int(total) == 6, total",
)
FAILS = chapter(
    "Fails",
    "import jax.numpy as jnp\nfrom jax101 import check",
    "total = jnp.arange(4).sum()",
    "check(int(total) == 7, claim='0 + 1 + 2 + 3 is 7', actual=int(total))",
    "raise AssertionError('never reached')",
)
WARNS = chapter("Warns", "import warnings\nwarnings.warn('old', DeprecationWarning)")


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> dict:
    docs = tmp_path_factory.mktemp("compat-docs")
    for name, source in {"passes": PASSES, "fails": FAILS, "warns": WARNS}.items():
        (docs / f"{name}.md").write_text(source)
    (docs / "index.md").write_text("# No code here\n")
    out = docs.parent / "record.json"
    command = [sys.executable, str(ROOT / "tools" / "compat.py"), "--record", str(out)]
    result = subprocess.run(
        [*command, "--docs", str(docs)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr  # a chapter failed
    return json.loads(out.read_text())


def test_the_record_says_which_chapter_failed_and_why(record):
    chapters = {c["chapter"]: c for c in record["chapters"]}
    assert sorted(chapters) == ["fails", "passes", "warns"]  # index.md has no code
    assert chapters["passes"]["status"] == "passed"
    assert chapters["passes"]["cells_run"] == 3
    failed = chapters["fails"]
    assert failed["status"] == "failed"
    assert failed["cells_run"] == 2
    assert failed["failure"]["cell"] == 3
    assert failed["failure"]["error"].startswith("CheckFailed: Claim failed: 0 + 1 + 2 + 3 is 7")
    line = FAILS.splitlines()[failed["failure"]["line"] - 1]
    assert line.startswith("check(int(total) == 7"), line  # the chapter's own line
    assert "DeprecationWarning: old" in chapters["warns"]["failure"]["error"]


STAND_INS = """
import importlib.util, sys
found = importlib.util.find_spec
missing = {"myst_nb", "IPython"}
importlib.util.find_spec = lambda name, *a: None if name in missing else found(name, *a)
import compat
compat._stand_ins()
from IPython.display import Markdown
from myst_nb import glue
import matplotlib.pyplot as plt  # asks an imported IPython which version, and for a shell
glue("x", Markdown("y"))
fig, ax = plt.subplots()
print(type(sys.modules["myst_nb"]).__name__, sys.modules["IPython"].version_info[-1])
"""


def test_the_stand_ins_serve_where_myst_nb_and_ipython_are_missing():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools"), "MPLBACKEND": "agg"}
    result = subprocess.run(
        [sys.executable, "-c", STAND_INS], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["module", "stand-in"]


def test_the_record_names_what_ran_it(record):
    assert record["format"] == compat.FORMAT == compat_records.FORMAT
    assert record["python"] == ".".join(map(str, sys.version_info[:3]))
    import jax  # noqa: PLC0415 - the versions this test environment runs

    assert record["versions"]["jax"] == jax.__version__
    assert record["backend"] == jax.default_backend()
    assert record["device_count"] == jax.device_count()
    assert record["date"].endswith("Z")
    assert compat_records._problems(record) == []


def _build_page(tmp_path: Path, records: list[dict]) -> tuple[str, str]:
    """Build the book's Compatibility page alone with ``records``; return (HTML, warnings)."""
    srcdir = tmp_path / "src"
    (srcdir / "appendix").mkdir(parents=True)
    shutil.copyfile(ROOT / "docs/appendix/compatibility.md", srcdir / "appendix/compat.md")
    (srcdir / "index.md").write_text("# Book\n\n```{toctree}\nappendix/compat\nfails\n```\n")
    (srcdir / "fails.md").write_text("# Fails\n")
    (srcdir / "conf.py").write_text(FIXTURE_CONF)
    (srcdir / "_data" / "compat").mkdir(parents=True)
    for number, made in enumerate(records):
        (srcdir / "_data" / "compat" / f"run{number}.json").write_text(json.dumps(made))
    warnings = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, builddir=tmp_path / "out", warning=warnings)
    try:
        app.build()
        return (Path(app.outdir) / "appendix/compat.html").read_text(), warnings.getvalue()
    finally:
        app.cleanup()


def test_the_page_renders_a_record(record, tmp_path):
    page, warnings = _build_page(tmp_path, [record])
    text = re.sub(r"<[^>]+>", "", page)
    assert warnings == ""
    assert compat_records.NO_RECORD not in page
    assert f"JAX {record['versions']['jax']} on {record['backend']}" in page
    assert "1 of 3 chapters passed" in page
    assert "CheckFailed: Claim failed: 0 + 1 + 2 + 3 is 7" in " ".join(text.split())
    assert 'href="../fails.html"' in page  # a chapter of the book links to it


def test_the_page_says_when_there_is_no_record(tmp_path):
    page, warnings = _build_page(tmp_path, [])
    assert warnings == ""
    assert compat_records.NO_RECORD in page


# Like the book, myst-nb parses the pages (with only myst-parser, a Sphinx app made after
# another in-process build with myst-nb asks for myst-nb's parser and fails); no execution.
FIXTURE_CONF = 'extensions = ["myst_nb", "compat_records"]\nnb_execution_mode = "off"\n'

KERNEL_RECORD = {"jax_version": "9.8.7", "jaxlib_version": "9.8.6", "python_version": "3.99.0"}
FAKE_EXECUTION = f"""
extensions = ["myst_nb", "compat_records"]
nb_execution_mode = "off"

def setup(app):  # stands in for execution.py: a chapter's kernel reported these versions
    def record(app, env):
        env.__dict__.setdefault("jax101_provenance", {{}})["fails"] = {KERNEL_RECORD!r}
    app.connect("env-updated", record)
"""


def test_the_index_names_the_versions_the_chapters_ran(tmp_path):
    """{book-versions} states the kernels' versions and compares them with uv.lock."""
    srcdir = tmp_path / "src"
    srcdir.mkdir()
    (srcdir / "index.md").write_text(
        "# Book\n\n```{book-versions}\n```\n\n```{toctree}\nfails\n```\n"
    )
    (srcdir / "fails.md").write_text("# Fails\n")
    (srcdir / "conf.py").write_text(FAKE_EXECUTION)
    warnings = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, builddir=tmp_path / "out", warning=warnings)
    try:
        app.build()
    finally:
        app.cleanup()
    page = " ".join((Path(app.outdir) / "index.html").read_text().split())
    assert warnings.getvalue() == ""
    locked = provenance.locked_versions()
    assert set(locked) == {"jax", "jaxlib"}
    assert (
        "with JAX 9.8.7, jaxlib 9.8.6 and Python 3.99.0 (past uv.lock, which pins "
        f"JAX {locked['jax']}, jaxlib {locked['jaxlib']})."
    ) in page


def test_a_malformed_record_is_a_warning(record, tmp_path):
    page, warnings = _build_page(tmp_path, [{**record, "chapters": [{"chapter": "x"}]}])
    assert "compatibility record run0.json" in warnings
    assert "passed/failed" in warnings
    assert compat_records.NO_RECORD in page
