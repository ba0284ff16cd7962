"""The benchmark example: it runs quickly, writes a valid record, and rejects bad options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from exampletools import import_example

import jax101

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "benchmark.py"
RECORDS = ROOT / "docs" / "_data" / "benchmarks"


@pytest.fixture(scope="module")
def example():
    """The example script, imported as a module (it is not part of the package)."""
    return import_example(SCRIPT)


def test_names_match_the_package(example):
    assert tuple(example.NAMES) == tuple(jax101.BENCHMARKS)


def test_quick_run_writes_a_valid_record(tmp_path):
    out = tmp_path / "out.json"
    argv = [sys.executable, str(SCRIPT), "--quick", "--json", str(out)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    record = json.loads(out.read_text())
    assert jax101.record_problems(record) == []
    assert set(record["results"]) == set(jax101.BENCHMARKS)
    assert record["options"] == {
        "rows": 2**14,
        "features": 64,
        "steps": 50,
        "repeats": 2,
        "quick": True,
    }
    assert record["command"].endswith(f"--quick --json {out}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["date"])
    assert record["backend"] in {"cpu", "gpu", "tpu"}
    donation = record["results"]["donation"]
    assert (donation["copies_without"], donation["copies_with"]) == (1, 0)
    # The table: one line per figure, each figure of the record in it.
    for name, figures in record["results"].items():
        for figure in figures:
            assert re.search(rf"^{name}\.{figure}\s", result.stdout, re.M)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_one_benchmark_without_json(example, capsys):
    assert example.main(["donation", "--rows", "1024"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^donation\.peak_mb_with\s+0\.25$", out, re.M)
    assert "roofline" not in out
    assert "wrote" not in out


BAD = {
    "negative-rows": (["--rows", "-5"], r"argument --rows: expected a positive int, got '-5'"),
    "zero-repeats": (["--repeats", "0"], r"argument --repeats: expected a positive int"),
    "float-steps": (["--steps", "2.5"], r"argument --steps: expected a positive int"),
    "unknown-name": (["rooflin"], r"unknown benchmark 'rooflin'; choose from eager_vs_jit"),
    "json-folder-missing": (["--json", "{tmp}/no/such/out.json"], r"folder .* does not exist"),
    "json-is-directory": (["--json", "{tmp}"], r"--json: .* is a directory"),
}


@pytest.mark.parametrize(("argv", "message"), BAD.values(), ids=BAD.keys())
def test_bad_options_exit_2_with_one_line(example, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        example.main([a.format(tmp=tmp_path) for a in argv])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing measured
    error_lines = [line for line in captured.err.splitlines() if ": error: " in line]
    assert len(error_lines) == 1
    assert re.search(message, error_lines[0]), error_lines
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/proc/x.json", "No such file or directory"), ("/sys/x.json", "Permission denied")],
    ids=["proc", "sys"],
)
def test_unwritable_json_path_is_one_line_before_measuring(example, capsys, path, reason):
    # Root passes os.access for /proc and /sys; only opening the file tells (this used to
    # fail after the benchmarks, with a 49-line traceback).
    with pytest.raises(SystemExit) as exit_info:
        example.main(["donation", "--json", path])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err
        == f"benchmark.py: error: argument --json: cannot write to '{path}': {reason}\n"
    )


def test_a_record_that_fails_to_be_written_leaves_no_partial_file(example, tmp_path, monkeypatch):
    def full(self, text, **kwargs):
        Path.write_bytes(self, text[:10].encode())  # a partial record, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jax101, "run_benchmark", lambda name, **sizes: {"x": 1.0})
    monkeypatch.setattr(example.Path, "write_text", full)
    with pytest.raises(OSError, match="No space left"):
        example.main(["donation", "--json", str(tmp_path / "out.json")])
    assert list(tmp_path.iterdir()) == []


def test_a_failing_run_leaves_no_json(example, tmp_path, monkeypatch):
    def broken(name, **sizes):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(jax101, "run_benchmark", broken)
    with pytest.raises(RuntimeError, match="out of memory"):
        example.main(["donation", "--json", str(tmp_path / "out.json")])
    assert list(tmp_path.iterdir()) == []


def test_bad_option_through_the_command_line(tmp_path):
    out = tmp_path / "out.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "-1", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == (
        "benchmark.py: error: argument --rows: expected a positive int, got '-1'"
    )
    assert not out.exists()


def test_committed_records_are_valid():
    """Every record committed for the chapter's last section loads (the build needs it)."""
    assert RECORDS.is_dir()
    for record in jax101.load_records(RECORDS):
        assert record["results"], record["file"]


@pytest.mark.slow
def test_the_performance_page_shows_whatever_records_are_committed(built_book):
    page = (built_book.html / "performance.html").read_text()
    records = jax101.load_records(RECORDS)
    assert ("No recorded GPU run exists yet" in page) == (not records)
    assert "roofline.blocked_ratio" in page  # this build's own column
    for record in records:
        assert record["file"] in page
        assert record["device_kind"] in page
        assert record["jax_version"] in page
