"""Run every chapter's code against the installed JAX, without Sphinx, and record the result.

A compatibility record says whether the book's claims hold for some other JAX, jaxlib or
backend than the one the book is built with: which versions and devices ran it, when, and
for each chapter "passed" or "failed" with the first failing claim (the cell, its line in
the chapter and the error: a failed check helper names the claim, the expected and the
actual value). The Compatibility appendix renders the records committed under
``docs/_data/compat/``.

It needs only Python, JAX and this repository's ``src/`` and ``docs/``: no Sphinx, no
Jupyter, no package registry. Each chapter runs in its own process (``PYTHONPATH=src``,
working folder the chapter's, as the build runs it), its code cells in order in one
namespace, IPython lines (``%timeit``) skipped as ``tools/chapter_cells.py`` reads them.
As in the build, a DeprecationWarning or FutureWarning raised by a cell is an error. Where
``myst_nb`` or ``IPython`` is not installed, ``glue`` and ``IPython.display`` are stand-ins
that show nothing (glued values only feed the prose).

Usage (``nox -s compat -- --record FILE`` runs it in the locked environment):
``python tools/compat.py --record FILE [--chapter NAME ...] [--docs DIR] [--timeout S]``.
Exit status 1 when a chapter failed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

from chapter_cells import cells, python_source

ROOT = Path(__file__).resolve().parents[1]
FORMAT = 1  # the record's format: the Compatibility page reads this version
STATUSES = ("passed", "failed")
DISTRIBUTIONS = ("jax", "jaxlib", "optax", "numpy")

PROBE = """\
import importlib.metadata as m, json, platform, sys
import jax
devices = jax.devices()
print(json.dumps({
    "python": platform.python_version(),
    "platform": platform.platform(terse=True),
    "versions": {d: m.version(d) for d in %r},
    "backend": jax.default_backend(),
    "devices": sorted({f"{d.platform}: {d.device_kind}" for d in devices}),
    "device_count": len(devices),
}))
"""


def chapters(docs: Path) -> dict[str, Path]:
    """Return the pages of ``docs`` that have code cells, by name (``jit``, ``appendix/x``)."""
    return {
        path.relative_to(docs).with_suffix("").as_posix(): path
        for path in sorted(docs.rglob("*.md"))
        if not any(part.startswith(("_", ".")) for part in path.relative_to(docs).parts)
        and cells(path.read_text(encoding="utf8"))
    }


def _stand_ins() -> None:
    """Make ``myst_nb.glue`` and ``IPython.display`` importable where they are not installed."""
    if importlib.util.find_spec("myst_nb") is None:
        myst_nb = types.ModuleType("myst_nb")
        myst_nb.glue = lambda *_args, **_kwargs: None  # type: ignore[attr-defined]
        sys.modules["myst_nb"] = myst_nb
    if importlib.util.find_spec("IPython") is None:
        ipython, display = types.ModuleType("IPython"), types.ModuleType("IPython.display")
        for name in ("HTML", "Markdown", "Image", "Latex", "Math", "SVG"):
            setattr(display, name, lambda *args, **_kwargs: args[0] if args else None)
        display.display = lambda *_args, **_kwargs: None  # type: ignore[attr-defined]
        ipython.display = display  # type: ignore[attr-defined]
        # What matplotlib asks of an imported IPython: which version, and whether in a shell.
        ipython.version_info = (0, 0, 0, "stand-in")  # type: ignore[attr-defined]
        ipython.get_ipython = lambda: None  # type: ignore[attr-defined]
        sys.modules |= {"IPython": ipython, "IPython.display": display}


def run_chapter(path: Path) -> dict[str, Any]:
    """Run the code cells of the chapter at ``path`` in this process; return its result.

    The result holds ``status``, ``cells`` (how many), ``cells_run`` and, for a failure,
    ``failure``: the cell's number, the chapter line and the error (type and message).
    """
    _stand_ins()
    chapter_cells = cells(path.read_text(encoding="utf8"))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for number, cell in enumerate(chapter_cells, start=1):
        # Padded so that a traceback's line numbers are the chapter's own.
        code = "\n" * (cell.source_line - 1) + python_source(cell.source)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", DeprecationWarning)
                warnings.simplefilter("error", FutureWarning)
                exec(compile(code, str(path), "exec"), namespace)
        except BaseException as error:  # a chapter's failure, whatever it is (SystemExit too)
            frames = [
                f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)
            ]
            message = f"{type(error).__name__}: {error}".strip()
            return {
                "status": "failed",
                "cells": len(chapter_cells),
                "cells_run": number - 1,
                "failure": {
                    "cell": number,
                    "line": frames[-1].lineno if frames else cell.source_line,
                    "error": message[:2000],
                },
            }
    return {"status": "passed", "cells": len(chapter_cells), "cells_run": len(chapter_cells)}


def _environment(env: dict[str, str]) -> dict[str, Any]:
    """Versions and devices, from a process of their own (JAX may hold a GPU's memory)."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE % (DISTRIBUTIONS,)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return dict(json.loads(probe.stdout.strip().splitlines()[-1]))


def _commit() -> str | None:
    """The repository's commit, with ``+changes`` if the tree differs from it (or None)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src", "docs"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty else "")


def _run_in_process(name: str, path: Path, env: dict[str, str], timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        result_file = Path(folder) / "result.json"
        command = [
            sys.executable,
            __file__,
            "--run-chapter",
            str(path),
            "--result",
            str(result_file),
        ]
        start = time.monotonic()
        try:
            done = subprocess.run(
                command,
                cwd=path.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            result = {"status": "failed", "failure": {"error": f"timed out after {timeout:g} s"}}
        else:
            if result_file.is_file():
                result = json.loads(result_file.read_text())
            else:  # the process died (a crash in XLA, a killed worker)
                tail = (done.stdout + done.stderr).strip()[-1500:]
                error = f"the chapter's process exited with status {done.returncode}: {tail}"
                result = {"status": "failed", "failure": {"error": error}}
        return {"chapter": name, **result, "seconds": round(time.monotonic() - start, 1)}


def record(docs: Path, names: list[str], timeout: float) -> dict[str, Any]:
    """Run the chapters ``names`` of ``docs`` (all when empty), each in its own process."""
    found = chapters(docs)
    unknown = sorted(set(names) - set(found))
    if unknown:
        msg = f"no chapter with code cells named {', '.join(unknown)} in {docs}"
        raise SystemExit(msg)
    python_path = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in python_path if p)}
    env |= {"MPLBACKEND": "agg"}
    results = []
    for name in names or list(found):
        result = _run_in_process(name, found[name], env, timeout)
        failure = result.get("failure") or {}
        where = f"line {failure['line']}: " if "line" in failure else ""
        why = f": {where}{failure['error'].splitlines()[0]}" if failure else ""
        print(f"{result['status']:>7}  {name} ({result['seconds']} s){why}", flush=True)
        results.append(result)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return {
        "format": FORMAT,
        "date": now.isoformat().replace("+00:00", "Z"),
        "commit": _commit(),
        **_environment(env),
        "chapters": results,
    }


def main(argv: list[str]) -> int:
    """Write a record (``--record FILE``), or run one chapter (``--run-chapter``, internal)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, help="write the record (JSON) to this file")
    parser.add_argument("--chapter", action="append", default=[], help="run only this chapter")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="the chapters' folder")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per chapter")
    parser.add_argument("--run-chapter", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_chapter:
        result = run_chapter(args.run_chapter.resolve())
        args.result.write_text(json.dumps(result))
        return 0
    if args.record is None:
        parser.error("--record FILE is required")
    made = record(args.docs.resolve(), args.chapter, args.timeout)
    args.record.parent.mkdir(parents=True, exist_ok=True)
    args.record.write_text(json.dumps(made, indent=1) + "\n")
    failed = [c["chapter"] for c in made["chapters"] if c["status"] != "passed"]
    print(f"{len(made['chapters']) - len(failed)} passed, {len(failed)} failed: {args.record}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
