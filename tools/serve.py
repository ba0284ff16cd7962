"""Preview the book on http://127.0.0.1:8000, rebuilt on every change (``nox -s serve``).

Runs ``sphinx-autobuild`` with the book's Sphinx command line, in a process group of its
own (it runs ``sphinx-build``, which runs the kernels). Nothing outlives this process:

- SIGTERM or SIGINT here interrupts the whole group (SIGINT, so a build in progress shuts
  its kernels down), and kills it if it has not ended within ``GRACE_SECONDS``;
- if this process's parent dies (a killed ``nox``), Linux sends this process SIGTERM
  (``PR_SET_PDEATHSIG``), which does the same; if this process itself is killed outright,
  ``sphinx-autobuild`` gets SIGTERM the same way.

Usage: ``python tools/serve.py [--source DIR] [--build DIR] [sphinx-autobuild options]``,
e.g. ``--port 8001``. ``--source`` defaults to ``docs``, ``--build`` to ``build``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

from sphinx_command import ROOT, sphinx_args

GRACE_SECONDS = 10
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent ends (no-op elsewhere)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def signal_group(group: int, signum: int) -> None:
    """Send ``signum`` to every process of a process group, if any is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def autobuild_command(source: Path, build: Path, options: list[str]) -> list[str]:
    """Return the ``sphinx-autobuild`` command line that serves ``source`` built in ``build``.

    Example:
        >>> command = autobuild_command(Path("docs"), Path("build"), ["--port", "8001"])
        >>> command[1:3], command[-4:]
        (['-m', 'sphinx_autobuild'], ['--port', '8001', 'docs', 'build/html'])
    """
    sphinx = sphinx_args(source, build)
    watched = [f"--watch={ROOT / folder}" for folder in ("src", "conf")]
    return [
        sys.executable,
        "-m",
        "sphinx_autobuild",
        *sphinx[:-2],
        "--host=127.0.0.1",
        *watched,
        *options,
        *sphinx[-2:],
    ]


def serve(command: list[str]) -> int:
    """Run ``command`` in its own process group until it ends or this process is stopped."""
    # preexec_fn is unsafe only in a process with threads; this one starts none.
    child = subprocess.Popen(command, start_new_session=True, preexec_fn=die_with_parent)  # noqa: PLW1509

    def stop(_signum: int, _frame: object) -> None:
        signal_group(child.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=GRACE_SECONDS)
        signal_group(child.pid, signal.SIGKILL)  # whatever is left of the group
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    die_with_parent()
    return child.wait()


def main(argv: list[str] | None = None) -> int:
    """Parse ``--source`` and ``--build``, pass the other options on, and serve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "docs")
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    args, options = parser.parse_known_args(argv)
    if not (args.source / "index.md").is_file():
        parser.error(f"--source {args.source}: no index.md there")
    return serve(autobuild_command(args.source, args.build, options))


if __name__ == "__main__":
    sys.exit(main())
