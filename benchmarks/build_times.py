"""Measure how long ``nox -s docs`` takes, cold and incremental, on a copy of this repository.

The copy gets its own nox environments, so the figures are those a contributor sees: the
first build of a fresh clone (environment included), a cold build, a no-op rebuild, and
rebuilds after a prose edit, a code edit and an edit of ``src/jax101``, each with the
chapters it executed. Run it from the repository root::

    python3 benchmarks/build_times.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = re.compile(r"docs/([\w/-]+)\.md: Executed notebook in ([\d.]+) seconds")


def copy_repository(target: Path) -> None:
    """Copy the files git tracks (and uncommitted edits to them) into ``target``."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)


def docs(repo: Path, *args: str) -> tuple[float, dict[str, float]]:
    """Run ``nox -s docs``; return its wall time and the chapters it executed (with times)."""
    start = time.perf_counter()
    result = subprocess.run(
        ["nox", "-s", "docs", "--", *args], cwd=repo, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"nox -s docs {' '.join(args)} failed:\n{result.stdout[-3000:]}")
    return elapsed, {m[1]: float(m[2]) for m in EXECUTED.finditer(result.stdout + result.stderr)}


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in ``path`` with ``new``."""
    text = path.read_text()
    if old not in text:
        sys.exit(f"benchmark edit: {old!r} not found in {path.name}")
    path.write_text(text.replace(old, new, 1))


def append(path: Path, text: str) -> None:
    """Append ``text`` to ``path``."""
    path.write_text(path.read_text() + text)


def main() -> None:
    """Print the build times and which chapters each rebuild executed."""
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        copy_repository(repo)
        first, _ = docs(repo)  # creates the environment too, as a fresh clone's first build
        chapter = repo / "docs" / "arrays.md"
        steps = [
            ("cold build (--fresh)", lambda: None, ("--fresh",)),
            ("no-op rebuild", lambda: None, ()),
            ("prose edit of arrays", lambda: append(chapter, "\nOne more sentence.\n"), ()),
            (
                "code edit of arrays",
                lambda: edit(chapter, "import jax\n", "import jax  # edit\n"),
                (),
            ),
            (
                "comment in jax101",
                lambda: append(repo / "src/jax101/_checks.py", "\n# a comment only\n"),
                (),
            ),
            (
                "edit of jax101._timing",
                lambda: edit(repo / "src/jax101/_timing.py", " median of ", " median of all "),
                (),
            ),
            (
                "edit of jax101._checks",
                lambda: append(repo / "src/jax101/_checks.py", "\nEDITED = True\n"),
                (),
            ),
        ]
        print(f"{'rebuild':<24}{'nox -s docs (s)':>16}  executed")
        print(f"{'first, with environment':<24}{first:>16.1f}  every chapter")
        runs = []
        for label, change, args in steps:
            change()
            elapsed, executed = docs(repo, *args)
            runs.append(executed)
            names = ", ".join(sorted(executed)) if executed else "nothing"
            print(f"{label:<24}{elapsed:>16.1f}  {names}")
        per_chapter = runs[0]
        print("\nper-chapter execution in the cold build (s):")
        for name, seconds in sorted(per_chapter.items()):
            print(f"  {name:<22}{seconds:>6.1f}")


if __name__ == "__main__":
    main()
