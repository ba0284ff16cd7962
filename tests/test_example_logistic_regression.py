"""The logistic regression example: it trains, reports, plots, and rejects bad arguments."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from exampletools import import_example

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "logistic_regression.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SMALL = ["--n-samples", "64", "--steps", "20", "--log-every", "5"]


@pytest.fixture(scope="module")
def example():
    """The example script, imported as a module (it is not part of the package)."""
    return import_example(SCRIPT)


def test_trains_reports_and_plots(example, tmp_path, capsys):
    figure = tmp_path / "boundary.png"
    assert example.main([*SMALL, "--plot", str(figure)]) == 0
    out = capsys.readouterr().out
    progress = re.findall(r"^step +(\d+) +loss (\d\.\d{4}) +accuracy (\d\.\d{3})$", out, re.M)
    assert [int(step) for step, _, _ in progress] == [5, 10, 15, 20]
    losses = [float(value) for _, value, _ in progress]
    assert losses[-1] < losses[0] < 0.6932  # below log 2, the loss at the zero start
    assert re.search(r"^final: loss \d\.\d{4} +accuracy \d\.\d{3}", out, re.M)
    assert re.search(r"^Newton optimum: loss \d\.\d{4} +loss gap -?\d\.\d\de[-+]\d+ ", out, re.M)
    assert re.search(r"parameter distance \d\.\d\de[-+]\d+$", out, re.M)
    assert re.search(r"^distance to the true parameters: \d+\.\d{3} ", out, re.M)
    assert f"wrote {figure}" in out
    assert figure.read_bytes().startswith(PNG_SIGNATURE)
    assert figure.stat().st_size > 1000


def test_sgd_and_no_plot(example, tmp_path, capsys):
    argv = [*SMALL, "--optimizer", "sgd", "--learning-rate", "0.5", "--seed", "3"]
    assert example.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("sgd (learning rate 0.5) on 64 points, 20 steps")
    assert "wrote" not in out
    assert list(tmp_path.iterdir()) == []


def test_defaults_reproduce_the_chapter(example, capsys):
    assert example.main([]) == 0
    out = capsys.readouterr().out
    assert re.findall(r"^step +(\d+)", out, re.M) == ["100", "200", "300", "400", "500"]
    final = re.search(r"^final: loss (\S+) +accuracy (\S+)", out, re.M)
    assert abs(float(final[1]) - 0.41) < 0.03
    assert abs(float(final[2]) - 0.80) < 0.04


def test_runs_as_a_script(tmp_path):
    figure = tmp_path / "script.png"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *SMALL, "--plot", str(figure)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "final: loss" in result.stdout
    assert figure.read_bytes()[:8] == PNG_SIGNATURE


BAD_ARGUMENTS = {
    "zero-steps": (["--steps", "0"], r"argument --steps: expected a positive int, got '0'"),
    "negative-steps": (["--steps", "-5"], r"argument --steps: expected a positive int"),
    "float-steps": (["--steps", "2.5"], r"argument --steps: expected a positive int"),
    "zero-samples": (["--n-samples", "0"], r"argument --n-samples: expected a positive int"),
    "negative-samples": (["--n-samples", "-1"], r"argument --n-samples: expected a positive"),
    "zero-rate": (["--learning-rate", "0"], r"argument --learning-rate: expected a positive"),
    "negative-rate": (["--learning-rate", "-0.1"], r"argument --learning-rate: expected a"),
    "nan-rate": (["--learning-rate", "nan"], r"argument --learning-rate: .* got 'nan'"),
    "zero-log-every": (["--log-every", "0"], r"argument --log-every: expected a positive int"),
    "unknown-optimizer": (["--optimizer", "rmsprop"], r"argument --optimizer: invalid choice"),
    "missing-folder": (["--plot", "{tmp}/no/such/dir/f.png"], r"--plot: the folder .* not exist"),
    "folder-is-a-file": (["--plot", "{tmp}/file.txt/f.png"], r"--plot: the folder .* not exist"),
    "plot-is-a-folder": (["--plot", "{tmp}/folder.png"], r"--plot: .* is a directory"),
    "not-png": (["--plot", "{tmp}/figure.jpg"], r"--plot: expected a path ending in \.png"),
}


@pytest.mark.parametrize(("argv", "message"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(
    example, tmp_path, capsys, argv, message
):
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "folder.png").mkdir()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_info:
        example.main([*SMALL, *(arg.format(tmp=tmp_path) for arg in argv)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no training started
    error_lines = [line for line in captured.err.splitlines() if ": error: " in line]
    assert len(error_lines) == 1
    assert re.search(message, error_lines[0])
    assert sorted(tmp_path.rglob("*")) == before


# Root passes every permission check, and os.access says yes for /proc and /sys: only
# opening the file tells. These failed after training, with a traceback.
UNWRITABLE = {
    "proc": ("/proc/out.png", "No such file or directory"),
    "sys": ("/sys/out.png", "Permission denied"),
}


@pytest.mark.parametrize(("path", "reason"), UNWRITABLE.values(), ids=UNWRITABLE.keys())
def test_unwritable_plot_path_is_one_line_before_training(example, capsys, path, reason):
    with pytest.raises(SystemExit) as exit_info:
        example.main([*SMALL, "--plot", path])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no training started
    assert captured.err == (
        f"logistic_regression.py: error: argument --plot: cannot write to '{path}': {reason}\n"
    )


def test_the_check_leaves_an_existing_file_alone_and_creates_none(example, tmp_path):
    old = tmp_path / "old.png"
    old.write_bytes(b"the previous figure")
    assert example.output_problem("--plot", old, ".png") is None
    assert old.read_bytes() == b"the previous figure"
    assert example.output_problem("--plot", tmp_path / "new.png", ".png") is None
    assert sorted(tmp_path.iterdir()) == [old]


def test_a_figure_that_fails_to_be_written_leaves_no_partial_file(example, tmp_path):
    """main writes the figure through write_atomically (test_trains_reports_and_plots)."""
    figure = tmp_path / "f.png"

    def broken(file):
        file.write_bytes(PNG_SIGNATURE)  # a partial file, then the disk is full
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        example.write_atomically(figure, broken)
    assert list(tmp_path.iterdir()) == []
    figure.write_bytes(b"the previous figure")
    with pytest.raises(OSError, match="No space left"):
        example.write_atomically(figure, broken)
    assert list(tmp_path.iterdir()) == [figure]
    assert figure.read_bytes() == b"the previous figure"


def test_bad_arguments_through_the_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--steps", "-1", "--plot", str(tmp_path / "f.png")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error: argument --steps: expected a positive int" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("n_samples", ["1", "2", "5"])
def test_separable_data_have_no_optimum_and_say_so(example, capsys, n_samples):
    assert example.main(["--n-samples", n_samples, "--steps", "5", "--log-every", "5"]) == 0
    out = capsys.readouterr().out
    assert "Newton optimum: none" in out
    assert "no minimizer" in out
    assert "nan" not in out.lower()
