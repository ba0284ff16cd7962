"""Every chapter's downloadable notebook runs clean in a fresh environment.

This is what README's "Run a chapter as a notebook" tells a reader to do, with the wheel
built from this tree standing in for the published ``jax101``: a new virtual environment
gets what the notebook's install cell names plus a bare Jupyter kernel and runner
(``ipykernel``, ``nbclient``); then ``jupyter execute`` runs each notebook, install cell
first (pip finds everything installed; the index is switched off so nothing else can come
in). Two notebooks run at a time.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from booktools import ROOT

pytestmark = pytest.mark.slow

INSTALL = "%pip install --quiet "
JUPYTER = ["ipykernel", "nbclient"]  # a bare Jupyter: a kernel and a runner


def install_line(notebook: Path) -> list[str]:
    """Return the distributions the notebook's first cell installs (checking its form)."""
    first = json.loads(notebook.read_text())["cells"][0]
    lines = "".join(first["source"]).splitlines()
    assert first["cell_type"] == "code", notebook.name
    assert lines[-1].startswith(INSTALL), (notebook.name, lines)
    names = shlex.split(lines[-1].removeprefix(INSTALL))
    assert names[0] == "jax101", (notebook.name, names)
    return names


@pytest.fixture(scope="module")
def fresh_env(built_book, tmp_path_factory) -> Path:
    """A new virtual environment with the install cells' packages and a bare Jupyter."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is missing: `nox -s tests` provides it")
    work = tmp_path_factory.mktemp("notebooks")
    subprocess.run(
        [uv, "build", "--wheel", "-o", str(work), str(ROOT)],
        check=True,
        cwd=work,
        capture_output=True,
    )
    wheel = next(work.glob("jax101-*.whl"))
    notebooks = sorted((built_book.html / "_sources").rglob("*.ipynb"))
    extras = sorted({n for nb in notebooks for n in install_line(nb)[1:]})
    venv = work / "venv"
    subprocess.run(
        [uv, "venv", "--seed", "--python", sys.executable, str(venv)],
        check=True,
        capture_output=True,
    )
    python = venv / "bin" / "python"
    command = [uv, "pip", "install", "--python", str(python), str(wheel), *extras, *JUPYTER]
    subprocess.run(command, check=True, capture_output=True)
    return venv


def _execute(venv: Path, notebook: Path, workdir: Path) -> tuple[str, int, str]:
    copy = workdir / notebook.name
    shutil.copyfile(notebook, copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX101_", "PYTHONPATH"))}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "PIP_NO_INDEX": "1"}
    env |= {"PIP_CONFIG_FILE": os.devnull, "MPLBACKEND": "agg", "VIRTUAL_ENV": str(venv)}
    command = [str(venv / "bin" / "jupyter"), "execute", "--timeout=600", copy.name]
    result = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    return notebook.name, result.returncode, (result.stdout + result.stderr)[-3000:]


def test_every_chapter_notebook_runs_in_a_fresh_environment(built_book, fresh_env, tmp_path):
    notebooks = sorted((built_book.html / "_sources").rglob("*.ipynb"))
    assert len(notebooks) >= 5, notebooks
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda nb: _execute(fresh_env, nb, tmp_path), notebooks))
    failed = {name: log for name, code, log in runs if code != 0}
    assert failed == {}, "\n\n".join(f"{name}:\n{log}" for name, log in failed.items())


def test_a_failing_notebook_fails_the_run(fresh_env, tmp_path):
    """The runner reports an error in a cell (so a clean run means something)."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "import jax101\nraise ValueError('broken on purpose')",
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    source = tmp_path / "source"
    source.mkdir()
    (source / "broken.ipynb").write_text(json.dumps(notebook))
    _, code, log = _execute(fresh_env, source / "broken.ipynb", tmp_path)
    assert code != 0
    assert "broken on purpose" in log
