"""Every chapter's notebook, downloaded from the served site, reproduces the page.

This is what README's "Running a chapter as a notebook" tells a reader to do. The book is
built with its site URL (``html_baseurl``) pointed at a server on 127.0.0.1 that serves that
build (a copy of the session's build, rewritten: the execution cache makes that a write of
the pages, not a new execution). A new virtual environment gets a bare Jupyter (``ipykernel``
and ``nbclient``, at the versions of this environment); then every notebook, downloaded
from the server, is executed in it with ``jupyter execute --inplace``, install cell first.
Nothing else is installed: the wheel of ``jax101`` comes from the server, at the address
and hash the cell names, and everything else from the package registry.

``%pip`` runs ``python -m pip`` in the kernel's environment; there, ``pip`` is a two-line
front end that passes its arguments to ``uv pip`` (pip itself takes about 80 s for this set
here, and reads this machine's global configuration). It installs exactly what the cell
says. The first notebook runs alone (its cell installs everything), then two at a time.

Then each code cell's outputs, except cells tagged ``machine-dependent``, must equal those
of the page: the outputs the build executed, which the served notebook carries (a figure is
compared by the kinds of image it shows: its pixels depend on the build's display settings).
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import http.server
import importlib.metadata
import json
import os
import platform
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from booktools import ROOT
from reproducibility import MACHINE_DEPENDENT, code_cells
from sphinx_command import sphinx_args

import provenance
import site_wheel
from notebook_download import github_pages_repository

pytestmark = pytest.mark.slow

JUPYTER = ("ipykernel", "nbclient")  # the reader's own Jupyter: a kernel and a runner
PIP_FRONT_END = """\
import subprocess, sys
sys.exit(subprocess.call([{uv!r}, "pip", *sys.argv[1:], "--python", sys.executable]))
"""


def install_arguments(notebook: dict[str, Any]) -> list[str]:
    r"""Return the arguments of the ``%pip install`` in a notebook's first cell.

    Examples:
        >>> cell = {"cell_type": "code", "source": "# note\n%pip install -q \\\n  a==1 \\\n  b"}
        >>> install_arguments({"cells": [cell]})
        ['-q', 'a==1', 'b']
    """
    first = notebook["cells"][0]
    source = first["source"] if isinstance(first["source"], str) else "".join(first["source"])
    assert first["cell_type"] == "code", source
    joined = re.sub(r"\\\n", " ", source)  # IPython joins backslash-continued lines
    lines = [line for line in joined.splitlines() if line.startswith("%pip install ")]
    assert len(lines) == 1, source
    return shlex.split(lines[0].removeprefix("%pip install "))


def normalised(outputs: list[Any]) -> list[Any]:
    """Outputs as compared: no execution counts, and a figure as the kinds of image it shows.

    The install cell shifts the execution counts by one. A figure's pixels and its text form (``<Figure size 704x462 ...>``) depend on the
    kernel's display settings, which the build's IPython profile sets (``figure.dpi``) and a
    reader's Jupyter does not; that a cell shows a figure, and as what, does not.

    Examples:
        >>> figure = {"output_type": "display_data", "metadata": {},
        ...           "data": {"image/png": "iVBOR...", "text/plain": "<Figure size 640x480>"}}
        >>> normalised([figure, {"output_type": "execute_result", "execution_count": 4,
        ...                      "data": {"text/plain": "3"}, "metadata": {}}])
        [{'output_type': 'display_data', 'images': ['image/png']}, {'output_type': 'execute_result', 'data': {'text/plain': '3'}, 'metadata': {}}]
    """  # noqa: E501
    compared = []
    for output in outputs:
        images = sorted(kind for kind in output.get("data", {}) if kind.startswith("image/"))
        if images:
            compared.append({"output_type": output["output_type"], "images": images})
        else:
            compared.append({k: v for k, v in output.items() if k != "execution_count"})
    return compared


def mismatches(page: dict[str, Any], executed: dict[str, Any]) -> list[str]:
    """Return the code cells whose outputs differ between the page and the executed notebook.

    The first cell (the install cell, which the page does not have) and cells tagged
    ``machine-dependent`` are not compared.

    Examples:
        >>> def nb(text, tags=()):
        ...     output = {"output_type": "stream", "name": "stdout", "text": text}
        ...     cell = {"cell_type": "code", "source": "print(x)", "outputs": [output],
        ...             "metadata": {"tags": list(tags)}}
        ...     return {"cells": [{"cell_type": "code", "source": "%pip install x"}, cell]}
        >>> [found.split(":")[0] for found in mismatches(nb("1\\n"), nb("2\\n"))]
        ['cell 1 (print(x))']
        >>> mismatches(nb("1\\n", [MACHINE_DEPENDENT]), nb("2\\n", [MACHINE_DEPENDENT]))
        []
    """
    cells = code_cells({"cells": page["cells"][1:]})
    again = code_cells({"cells": executed["cells"][1:]})
    if [c.first_line for c in cells] != [c.first_line for c in again]:
        return ["the notebook's code cells are not the page's"]
    return [
        f"cell {one.number} ({one.first_line}): page {normalised(one.outputs)!r:.300} != "
        f"notebook {normalised(other.outputs)!r:.300}"
        for one, other in zip(cells, again, strict=True)
        if MACHINE_DEPENDENT not in one.tags
        and normalised(one.outputs) != normalised(other.outputs)
    ]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_book(built_book, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The book rebuilt for, and served by, a server on 127.0.0.1: (site URL, html folder)."""
    assert built_book.returncode == 0, built_book.log[-3000:]
    build = tmp_path_factory.mktemp("served") / "build"
    source = built_book.html.parent

    def skip_pdf(folder: str, _names: list[str]) -> list[str]:
        """The PDF folder, which test_pdf (on another worker) may be writing now."""
        return ["pdf"] if Path(folder) == source else []

    shutil.copytree(source, build, symlinks=True, ignore=skip_pdf)
    handler = functools.partial(_QuietHandler, directory=str(build / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        site = f"http://127.0.0.1:{server.server_address[1]}/"
        args = sphinx_args(ROOT / "docs", build)
        command = [sys.executable, "-m", "sphinx", *args[:-2], "-D", f"html_baseurl={site}"]
        result = subprocess.run(
            [*command, *args[-2:]], capture_output=True, text=True, cwd=ROOT, check=False
        )
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        assert "Executing notebook" not in result.stdout, "the rebuild re-executed a chapter"
        yield site, build / "html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory) -> Path:
    """A new virtual environment with a bare Jupyter, whose ``pip`` is uv's."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is missing: `nox -s tests` provides it")
    venv = tmp_path_factory.mktemp("reader") / "venv"
    subprocess.run(
        [uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True
    )
    python = venv / "bin" / "python"
    jupyter = [f"{name}=={importlib.metadata.version(name)}" for name in JUPYTER]
    install = [uv, "pip", "install", "--python", str(python), *jupyter]
    subprocess.run(install, check=True, capture_output=True)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "pip").mkdir()
    (Path(purelib) / "pip" / "__init__.py").write_text("")
    (Path(purelib) / "pip" / "__main__.py").write_text(PIP_FRONT_END.format(uv=uv))
    return venv


def _execute(venv: Path, notebook: Path) -> tuple[str, int, str]:
    """Run ``jupyter execute --inplace`` on ``notebook`` in ``venv``, as README says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX101_", "PYTHONPATH"))}
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend, which shows figures
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    command = [str(venv / "bin" / "jupyter"), "execute", "--inplace", "--timeout=600"]
    result = subprocess.run(
        [*command, notebook.name],
        cwd=notebook.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return notebook.name, result.returncode, (result.stdout + result.stderr)[-3000:]


def _download(site: str, page: str, into: Path) -> Path:
    target = into / page.replace("/", "-")
    with urllib.request.urlopen(f"{site}_sources/{page}") as response:
        target.write_bytes(response.read())
    return target


def test_every_notebook_reproduces_its_page(served_book, fresh_env, tmp_path):
    site, html = served_book
    pages = sorted(p.relative_to(html / "_sources").as_posix() for p in html.rglob("*.ipynb"))
    assert len(pages) >= 5, pages
    notebooks = [_download(site, page, tmp_path) for page in pages]
    served = {nb.name: json.loads(nb.read_text()) for nb in notebooks}
    runs = [_execute(fresh_env, notebooks[0])]  # installs everything: alone
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs += pool.map(lambda nb: _execute(fresh_env, nb), notebooks[1:])
    failed = {name: log for name, code, log in runs if code != 0}
    assert failed == {}, "\n\n".join(f"{name}:\n{log}" for name, log in failed.items())

    # What the cells installed: every pin, and jax101 from this site at the cell's hash.
    arguments = install_arguments(served[notebooks[0].name])
    wheel = next(a for a in arguments if a.startswith("jax101@"))
    assert wheel.startswith(f"jax101@{site}_downloads/"), wheel
    freeze = subprocess.run(
        ["uv", "pip", "freeze", "--python", str(fresh_env / "bin" / "python")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pins = [a for a in arguments if "==" in a]
    assert {"jax", "jaxlib", "optax", "myst-nb"} <= {pin.split("==")[0] for pin in pins}, pins
    assert set(pins) <= {line.replace("_", "-").lower() for line in freeze}, freeze
    assert f"jax101 @ {wheel.removeprefix('jax101@').split('#')[0]}" in freeze, freeze

    # What the notebooks printed: the page's outputs, cell for cell.
    differing, compared = {}, 0
    for notebook in notebooks:
        page, executed = served[notebook.name], json.loads(notebook.read_text())
        compared += sum(1 for cell in code_cells({"cells": page["cells"][1:]}) if cell.outputs)
        if found := mismatches(page, executed):
            differing[notebook.name] = found
    assert compared >= len(pages), "the served notebooks carry hardly any outputs"
    assert differing == {}, json.dumps(differing, indent=1)


def test_the_pinned_versions_are_the_builds(served_book):
    """The install cell pins what the build ran with (this environment is the build's)."""
    _, html = served_book
    notebook = json.loads(next(html.rglob("*.ipynb")).read_text())
    pins = dict(a.split("==") for a in install_arguments(notebook) if "==" in a)
    assert pins["jax"] == importlib.metadata.version("jax")
    assert pins["jaxlib"] == importlib.metadata.version("jaxlib")
    assert pins["optax"] == importlib.metadata.version("optax")


def test_the_index_and_every_footer_name_the_versions(built_book):
    """The index and each chapter's footer say which JAX, jaxlib and Python the book is true for.

    The kernels run this environment's Python and packages, which ``uv.lock`` pins.
    """
    jax, jaxlib = importlib.metadata.version("jax"), importlib.metadata.version("jaxlib")
    assert provenance.locked_versions() == {"jax": jax, "jaxlib": jaxlib}
    sentence = (
        f"JAX {jax}, jaxlib {jaxlib} and Python {platform.python_version()} "
        "(the JAX and jaxlib that uv.lock pins)"
    )
    sources = built_book.html / "_sources"
    chapters = [p.relative_to(sources).with_suffix(".html") for p in sources.rglob("*.ipynb")]
    assert len(chapters) >= 5, chapters
    for page in [Path("index.html"), *chapters]:
        text = " ".join(re.sub(r"<[^>]+>", " ", (built_book.html / page).read_text()).split())
        assert sentence in text, page


def test_the_site_url_names_the_repository():
    """The one site URL in conf.py is the GitHub Pages site of the book's repository."""
    conf = runpy.run_path(str(ROOT / "conf" / "conf.py"))
    repository = github_pages_repository(conf["html_baseurl"])
    assert repository is not None, conf["html_baseurl"]
    assert conf["jax101_repository"] == f"https://github.com/{repository}"


def test_the_wheel_is_this_tree_built_once_and_published_by_its_hash(tmp_path):
    if shutil.which("uv") is None:
        pytest.skip("uv is missing: `nox -s tests` provides it")
    wheel = site_wheel.cached_wheel(ROOT, tmp_path / "cache")
    again = site_wheel.cached_wheel(ROOT, tmp_path / "cache")
    assert again == wheel
    assert again.stat().st_mtime_ns == wheel.stat().st_mtime_ns  # not built twice
    with zipfile.ZipFile(wheel) as archive:  # the package as it is in this tree
        for module in (ROOT / "src" / "jax101").glob("*.py"):
            assert archive.read(f"jax101/{module.name}") == module.read_bytes(), module.name
    site = tmp_path / "html"
    stale = site / "_downloads" / "0" / "jax101-0.0.0-py3-none-any.whl"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an earlier build's wheel")
    published = site_wheel.publish(wheel, site)
    assert published.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert published.path == f"_downloads/{published.sha256[:32]}/{wheel.name}"
    assert (site / published.path).read_bytes() == wheel.read_bytes()
    assert not stale.parent.exists()


def test_a_failing_notebook_fails_the_run(fresh_env, tmp_path):
    """The runner reports an error in a cell (so a clean run means something)."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "raise ValueError('broken on purpose')",
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    (tmp_path / "broken.ipynb").write_text(json.dumps(notebook))
    _, code, log = _execute(fresh_env, tmp_path / "broken.ipynb")
    assert code != 0
    assert "broken on purpose" in log
