"""A build killed mid-execution (SIGKILL of its process group) leaves no kernel running and
no corrupted cache: the next build succeeds and executes only the chapter that did not finish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from booktools import ROOT, alive, chapter, executed, sphinx_build, wait_for, write_book
from sphinx_command import sphinx_args

pytestmark = pytest.mark.slow

SLOW = """\
import os, pathlib, time
pathlib.Path("kernel.pid").write_text(str(os.getpid()))
time.sleep(120 if pathlib.Path("hang").exists() else 0)
"""

# A cold build reads the chapter with most code first (execution.code_length): the quick one
# must finish, and be cached, before the slow one starts.
QUICK = "1 + 1\n" + "# more code than the slow chapter, so that this one is read first\n" * 3
assert len(QUICK) > len(SLOW)


def test_a_killed_build_leaves_no_kernel_and_a_usable_cache(tmp_path: Path):
    docs, build = tmp_path / "docs", tmp_path / "build"
    write_book(docs, {"a_quick": chapter("Quick", QUICK), "b_slow": chapter("Slow", SLOW)})
    (docs / "hang").touch()
    command = [sys.executable, "-m", "sphinx", *sphinx_args(docs, build, jobs="1")]
    process = subprocess.Popen(  # its own process group, as a terminal's job would be
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for((docs / "kernel.pid").is_file, timeout=300), "the slow cell never ran"
        kernel = int((docs / "kernel.pid").read_text())
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(kernel), timeout=30), f"kernel {kernel} outlived the build"
    (docs / "hang").unlink()
    result = sphinx_build(docs, build)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert executed(result.stdout + result.stderr) == {"b_slow"}
