"""The sharded training example: 8 devices, 2 processes, bad input, and a killed process."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from exampletools import import_example

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPT = EXAMPLES / "sharded_training.py"
SMALL = ["--n-samples", "64", "--steps", "30", "--log-every", "10"]
FINAL = re.compile(r"^final: loss (\d\.\d{4}) +accuracy (\d\.\d{3})", re.M)


def run(script: Path, *argv: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def single_device_final():
    """The final loss and accuracy of examples/logistic_regression.py on the same run."""
    result = run(EXAMPLES / "logistic_regression.py", *SMALL)
    assert result.returncode == 0, result.stderr
    return FINAL.search(result.stdout).groups()


@pytest.fixture(scope="module")
def example():
    """The example script, imported as a module (for the argument checks)."""
    return import_example(SCRIPT)


def test_eight_devices_print_the_single_device_metrics(single_device_final):
    result = run(SCRIPT, *SMALL, "--devices", "8")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "on 8 x cpu in 1 process(es)" in out
    assert "mesh: {'data': 8} over devices [0, 1, 2, 3, 4, 5, 6, 7]" in out
    assert re.search(r"^process 0 holds shards (\d: x\(8, 2\) y\(8,\)(, )?){8}$", out, re.M)
    assert re.findall(r"^step +(\d+)", out, re.M) == ["10", "20", "30"]
    assert FINAL.search(out).groups() == single_device_final


def test_two_processes_print_the_single_device_metrics(single_device_final):
    result = run(SCRIPT, *SMALL, "--processes", "2", "--devices", "8")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "on 8 x cpu in 2 process(es)" in out
    assert (
        len(re.findall(r"^launched process [01] of 2 \(pid \d+\) on 127\.0\.0\.1:\d+$", out, re.M))
        == 2
    )
    for process in (0, 1):
        shards = re.search(rf"^process {process} holds shards (.*)$", out, re.M)
        assert shards[1].count("x(8, 2)") == 4  # 4 devices each, 8 rows per device
    assert FINAL.search(out).groups() == single_device_final
    # The runtime's own lines are not in the report: they go to stderr, labelled.
    assert "Gloo" not in out
    assert "[Gloo]" in result.stderr
    assert all(re.match(r"\[process [01]\] ", line) for line in result.stderr.splitlines())


BAD_INPUT = {
    "zero-devices": (["--devices", "0"], r"argument --devices: expected a positive int, got '0'"),
    "batch-not-divisible": (
        ["--n-samples", "60", "--devices", "8"],
        r"argument --n-samples: 60 examples do not split evenly over 8 devices",
    ),
    "processes-not-dividing": (
        ["--processes", "3", "--devices", "8"],
        r"argument --processes: 3 processes cannot share 8 devices evenly",
    ),
    "processes-without-devices": (["--processes", "2"], r"argument --processes: give --devices"),
}


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_and_exit_2(example, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        example.main([*SMALL, *argv])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sharded_training.py: error: ")
    assert re.search(message, lines[0])


def test_too_many_devices_for_the_default_samples_blame_devices(example, capsys):
    """``--devices 3`` used to blame --n-samples, which was never passed."""
    with pytest.raises(SystemExit) as exit_info:
        example.main(["--devices", "3"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "sharded_training.py: error: argument --devices: 3 devices cannot share the 512 "
        "examples (the default of --n-samples) evenly; use 1, 2, 4, 8 or 16 devices, or give "
        "--n-samples a multiple of 3\n"
    )
    with pytest.raises(SystemExit):
        example.main(["--devices", "6", "--processes", "2"])
    assert "use 2, 4, 8 or 16 devices" in capsys.readouterr().err  # multiples of 2 only
    with pytest.raises(SystemExit):
        example.main(["--devices", "3", "--n-s=64"])  # passed, abbreviated: it is to blame
    assert "argument --n-samples: 64 examples do not split evenly" in capsys.readouterr().err


def test_runtime_lines_are_labelled_and_help_says_so(example, capsys):
    import io  # noqa: PLC0415
    import threading  # noqa: PLC0415

    stream = io.BytesIO(b"[Gloo] Rank 0 is connected to 7 peer ranks.\nmore\n")
    example._label(stream, "[process 1]", threading.Lock())
    assert capsys.readouterr().err == (
        "[process 1] [Gloo] Rank 0 is connected to 7 peer ranks.\n[process 1] more\n"
    )
    with pytest.raises(SystemExit):
        example.main(["--help"])
    assert "goes to stderr instead, every line labelled '[process N]'" in " ".join(
        capsys.readouterr().out.split()
    )


def test_bad_input_through_the_command_line():
    result = run(SCRIPT, "--devices", "8", "--n-samples", "12", timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "12 examples do not split evenly over 8 devices" in result.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_process_stops_the_run_and_is_named():
    command = [sys.executable, str(SCRIPT), "--n-samples", "64", "--steps", "2000000",
               "--processes", "2", "--devices", "8"]  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    pids, training, deadline = {}, set(), time.monotonic() + 180
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as launcher:
        threading.Thread(
            target=lambda: [lines.put(ln) for ln in launcher.stdout], daemon=True
        ).start()
        try:
            while len(training) < 2:  # both processes hold their shards: training has begun
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
                if launched := re.match(r"launched process (\d) of 2 \(pid (\d+)\)", line):
                    pids[int(launched[1])] = int(launched[2])
                # search, not match: gloo's own stdout messages can split a worker's line
                if holds := re.search(r"process (\d) holds shards", line):
                    training.add(int(holds[1]))
            time.sleep(1.0)
            killed_at = time.monotonic()
            os.kill(pids[1], signal.SIGKILL)
            returncode = launcher.wait(timeout=60)
            stopped_after = time.monotonic() - killed_at
        finally:
            if launcher.poll() is None:
                launcher.kill()
        stderr = launcher.stderr.read()
    print(f"launcher exited {returncode} {stopped_after:.2f} s after the kill: {stderr!r}")
    assert returncode == 1
    assert stopped_after < 30
    assert (
        "error: process 1 of 2 failed (killed by SIGKILL); stopping the other processes" in stderr
    )
    assert not any(_alive(pid) for pid in pids.values())  # no orphans left behind
