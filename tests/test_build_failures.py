"""A broken chapter fails the build loudly: the file, the cell's code and the exception."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from booktools import chapter, sphinx_build, write_book

pytestmark = pytest.mark.slow

BROKEN = {
    "raises": chapter(
        "Raises",
        "import jax101",
        "marker_raises = 1\nmarker_raises / 0",
    ),
    "times_out": chapter(
        "Times out",
        "import time\nmarker_sleep = 30\ntime.sleep(marker_sleep)",
        front_matter="mystnb:\n  execution_timeout: 3\n",
    ),
    "deprecated": chapter(
        "Deprecated",
        'import warnings\nwarnings.warn("marker_old_api is going away", DeprecationWarning)',
    ),
    "future": chapter(
        "Future",
        'import warnings\nwarnings.warn("marker_future behaviour changes", FutureWarning)',
    ),
    "false_claim": chapter(
        "False claim",
        "import jax101\n"
        'jax101.check_close(2.0 + 2.0, 5.0, rtol=1e-6, claim="marker two plus two is five")',
    ),
    "error_gone": chapter(
        "Error gone",
        "import jax101\n"
        'with jax101.expect_error(ZeroDivisionError, claim="marker dividing raises"):\n'
        "    1 / 1",
    ),
}


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory):
    """Build a book whose every chapter is broken in a different way."""
    root = tmp_path_factory.mktemp("broken")
    write_book(root / "docs", BROKEN)
    result = sphinx_build(root / "docs", root / "build")
    return root, result


def _warning_for(log: str, name: str) -> str:
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if f"{name}.md" in line and "WARNING" in line)
    end = next(
        (i for i in range(start + 1, len(lines)) if "WARNING" in lines[i] and ".md" in lines[i]),
        len(lines),
    )
    return "\n".join(lines[start:end])


def test_the_build_exits_non_zero(broken_build: tuple[Path, subprocess.CompletedProcess]):
    _, result = broken_build
    assert result.returncode != 0


@pytest.mark.parametrize(
    ("name", "code", "error"),
    [
        pytest.param("raises", "marker_raises / 0", "ZeroDivisionError", id="exception"),
        pytest.param("times_out", "time.sleep(marker_sleep)", "CellTimeoutError", id="timeout"),
        pytest.param("deprecated", "marker_old_api", "DeprecationWarning", id="deprecation"),
        pytest.param("future", "marker_future", "FutureWarning", id="future-warning"),
        pytest.param("false_claim", "marker two plus two is five", "CheckFailed", id="check"),
        pytest.param("error_gone", "marker dividing raises", "CheckFailed", id="expect-error"),
    ],
)
def test_each_failure_names_file_cell_and_exception(
    broken_build: tuple[Path, subprocess.CompletedProcess], name: str, code: str, error: str
):
    _, result = broken_build
    report = _warning_for(result.stdout + result.stderr, name)
    assert f"{name}.md" in report
    assert code in report
    assert error in report


def test_a_failed_check_states_claim_expected_and_actual(
    broken_build: tuple[Path, subprocess.CompletedProcess],
):
    _, result = broken_build
    report = _warning_for(result.stdout + result.stderr, "false_claim")
    assert "Claim failed: marker two plus two is five" in report
    assert "expected: 5.0" in report
    assert "actual:   4.0" in report


def test_error_reports_are_not_published(broken_build: tuple[Path, subprocess.CompletedProcess]):
    root, _ = broken_build
    assert not (root / "build" / "html" / "reports").exists()
    assert (root / "build" / "reports" / "raises.err.log").is_file()
