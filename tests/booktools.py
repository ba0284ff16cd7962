"""Helpers for tests that build a book (the real one, or small fixture books)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphinx_command import CONF, ROOT, sphinx_args

__all__ = [
    "CONF",
    "ROOT",
    "alive",
    "chapter",
    "executed",
    "sphinx_build",
    "wait_for",
    "write_book",
]

FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
{extra}---
"""


def chapter(title: str, *cells: str, prose: str = "", front_matter: str = "") -> str:
    """Return the MyST source of a chapter with the given code cells (each a code string)."""
    parts = [FRONT_MATTER.format(extra=front_matter), f"# {title}\n", prose]
    parts += [f"```{{code-cell}} ipython3\n{textwrap.dedent(c).strip()}\n```\n" for c in cells]
    return "\n".join(parts)


def write_book(srcdir: Path, chapters: dict[str, str]) -> None:
    """Write an index page with a toctree of ``chapters`` (name -> source) into ``srcdir``."""
    srcdir.mkdir(parents=True, exist_ok=True)
    toc = "\n".join(chapters)
    (srcdir / "index.md").write_text(f"# Fixture book\n\n```{{toctree}}\n{toc}\n```\n")
    for name, source in chapters.items():
        (srcdir / f"{name}.md").write_text(source)


def sphinx_build(
    srcdir: Path,
    build: Path,
    *,
    only: str = "",
    jobs: str = "auto",
    env: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Build ``srcdir`` into ``build`` with the book's configuration, as ``nox -s docs`` does.

    ``env`` adds variables to the build's environment (a test's private ``PYTHONPATH``);
    ``options`` sets configuration values (``-D NAME=VALUE``).
    """
    overrides = [arg for item in (options or {}).items() for arg in ("-D", "=".join(item))]
    args = sphinx_args(srcdir, build, only=only, jobs=jobs)
    command = [sys.executable, "-m", "sphinx", *overrides, *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def executed(log: str) -> set[str]:
    """Return the names of the chapters that a build log says were executed (not cached)."""
    marker = ": Executing notebook"
    return {Path(line.split(marker)[0]).stem for line in log.splitlines() if marker in line}


def alive(pid: int) -> bool:
    """Tell whether process ``pid`` is running (a zombie, ended but not reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.is_file() and status.read_text().split()[2] == "Z")


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` every 0.2 s until it holds (True) or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def run_script(source: str, timeout: float = 300) -> Any:
    """Run Python ``source`` in a fresh process; return the JSON its last line printed.

    A fresh process is how a test gets its own JAX configuration (simulated devices).
    """
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, check=False,
        timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
