"""``nox -s serve`` (tools/serve.py) leaves nothing running once it is stopped or its parent dies.

Each test serves a one-chapter fixture book on a free port and stops it a different way:
SIGTERM while it serves, SIGTERM while its first build is executing a chapter, and a
SIGKILL of the process that started it. Afterwards no process of the build is left (no
``sphinx-autobuild``, no ``sphinx-build``, no kernel) and the port is closed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import serve
from booktools import ROOT, alive, chapter, wait_for, write_book

pytestmark = pytest.mark.slow

# Records its kernel's pid; hangs while a file "hang" is beside the chapter.
CELL = """\
import os, pathlib, time
pathlib.Path("kernel.pid").write_text(str(os.getpid()))
while pathlib.Path("hang").exists():
    time.sleep(0.1)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
            return bool(page.status == 200)
    except OSError:
        return False


def processes_of(build: Path) -> list[int]:
    """The pids of running processes whose command line names ``build``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(build) in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue  # ended while we looked
    return [pid for pid in found if alive(pid)]


def book(tmp_path: Path, *, hang: bool) -> tuple[list[str], Path]:
    """Write the fixture book; return serve.py's command line for it and its build folder."""
    docs, build = tmp_path / "docs", tmp_path / "build"
    write_book(docs, {"waits": chapter("Waits", CELL)})
    if hang:
        (docs / "hang").touch()
    script = ROOT / "tools" / "serve.py"
    command = [sys.executable, str(script), f"--source={docs}", f"--build={build}"]
    return [*command, f"--port={free_port()}"], build


def port_of(command: list[str]) -> int:
    return int(command[-1].removeprefix("--port="))


def assert_all_ended(build: Path, port: int, kernel: int) -> None:
    assert wait_for(lambda: not alive(kernel), timeout=30), f"kernel {kernel} outlived serve"
    assert wait_for(lambda: not processes_of(build), timeout=30), processes_of(build)
    assert not answers(port)


def run(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)


def kill_what_is_left(group: int, build: Path) -> None:
    """After a test, failed or not: kill its process group and any process of its build."""
    for pid in processes_of(build):
        os.kill(pid, signal.SIGKILL)
    serve.signal_group(group, signal.SIGKILL)


def test_sigterm_while_serving_ends_the_server(tmp_path: Path):
    command, build = book(tmp_path, hang=False)
    process = run(command)
    try:
        assert wait_for(lambda: answers(port_of(command)), timeout=300), "never served"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        kernel = int((tmp_path / "docs" / "kernel.pid").read_text())
        assert_all_ended(build, port_of(command), kernel)
    finally:
        kill_what_is_left(process.pid, build)


def test_sigterm_during_the_first_build_ends_its_kernel(tmp_path: Path):
    command, build = book(tmp_path, hang=True)
    process = run(command)
    try:
        pid_file = tmp_path / "docs" / "kernel.pid"
        assert wait_for(pid_file.is_file, timeout=300), "the chapter never ran"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert_all_ended(build, port_of(command), int(pid_file.read_text()))
    finally:
        kill_what_is_left(process.pid, build)


def test_a_killed_parent_ends_the_server(tmp_path: Path):
    command, build = book(tmp_path, hang=False)
    # A parent that starts serve.py and waits, as nox does; killing it must end serve.py.
    parent = run([sys.executable, "-c", f"import subprocess; subprocess.run({command!r})"])
    try:
        assert wait_for(lambda: answers(port_of(command)), timeout=300), "never served"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        kernel = int((tmp_path / "docs" / "kernel.pid").read_text())
        assert_all_ended(build, port_of(command), kernel)
    finally:
        kill_what_is_left(parent.pid, build)


def test_a_source_without_an_index_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as stopped:
        serve.main([f"--source={tmp_path}"])
    assert stopped.value.code == 2
    assert f"--source {tmp_path}: no index.md there" in capsys.readouterr().err
