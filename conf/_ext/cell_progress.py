"""Sphinx extension: a cell still running after 30 s says so, once every 30 s.

A chapter's cells are otherwise silent until the chapter is done, so a cell heading for
the time-out (180 s) looked like a hung build. ``jax101_progress_interval`` (seconds, 30 by
default; 0 turns it off) sets the period. The line names the chapter's file, the cell's
number and first line, as a failed cell's message does. It is written straight to the
build's standard output: a parallel reader's log lines are only printed once its chapter is
done, too late for a progress line.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

import nb_adapter
from provenance import PROVENANCE_TAG

_interval = [30.0]
_lock = threading.Lock()
_running: dict[str, object] = {}  # source -> the token of the cell now watched


def progress_line(source: str, number: int, first_line: str, seconds: float) -> str:
    """Return the line saying that a cell is still running.

    Examples:
        >>> progress_line("/x/docs/jit.md", 3, "y = f(x)", 60)
        '/x/docs/jit.md: cell 3 (`y = f(x)`) still running after 60 s'
    """
    return f"{source}: cell {number} (`{first_line}`) still running after {seconds:.0f} s"


def shown_path(source: str) -> str:
    """Return a chapter's path as a contributor typed it: relative to the working folder.

    A path outside the working folder is returned as it was given.

    Examples:
        >>> shown_path(str(Path.cwd() / "docs" / "jit.md"))
        'docs/jit.md'
        >>> shown_path("/elsewhere/jit.md")
        '/elsewhere/jit.md'
    """
    path = Path(source)
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else source
    except ValueError:
        return source


def _started(source: str, notebook: Any, index: int) -> None:
    interval = _interval[0]
    cell = notebook.cells[index]
    if PROVENANCE_TAG in cell.get("metadata", {}).get("tags", []):
        interval = 0  # the hidden last cell is the build's, not the chapter's
    number = next((n for n, c in nb_adapter.code_cells(notebook) if c is cell), index + 1)
    lines = cell.source.strip().splitlines()
    line = lines[0] if lines else ""
    token = object()
    with _lock:
        _running[source] = token
    if interval <= 0:
        return
    begin = time.monotonic()

    def tick(count: int) -> None:
        with _lock:
            if _running.get(source) is not token:
                return  # the cell finished meanwhile
            shown = progress_line(shown_path(source), number, line, count * interval)
            sys.stdout.write(shown + "\n")
            sys.stdout.flush()
        schedule(count + 1)

    def schedule(count: int) -> None:
        delay = max(0.0, count * interval - (time.monotonic() - begin))
        timer = threading.Timer(delay, tick, (count,))
        timer.daemon = True
        timer.start()

    schedule(1)


def _finished(source: str) -> None:
    with _lock:
        _running.pop(source, None)


def _configure(_app: Sphinx, config: Config) -> None:
    _interval[0] = float(config.jax101_progress_interval)


def setup(app: Sphinx) -> dict[str, object]:
    """Watch every executing cell; ``jax101_progress_interval`` sets the period."""
    app.add_config_value("jax101_progress_interval", 30, "", types=frozenset({int, float}))
    app.connect("config-inited", _configure)
    nb_adapter.around_cells(_started, _finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
