"""tools/reproducibility.py: two builds' executed chapters compared cell by cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reproducibility import MACHINE_DEPENDENT, compare


def write_build(build: Path, printed: list[str], tags: list[str]) -> None:
    """Write a build folder holding one executed chapter whose second cell printed ``printed``."""
    outputs = [{"output_type": "stream", "name": "stdout", "text": text} for text in printed]
    cells = [
        {"cell_type": "code", "id": "install", "source": "%pip install jax101", "outputs": []},
        {"cell_type": "code", "source": "x = 1\nx", "outputs": [], "metadata": {}},
        {"cell_type": "code", "source": "time()", "outputs": outputs, "metadata": {"tags": tags}},
    ]
    sources = build / "html" / "_sources"
    sources.mkdir(parents=True)
    (sources / "jit.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf8")


@pytest.mark.parametrize(
    ("tags", "status"),
    [pytest.param([], 1, id="untagged-fails"), pytest.param([MACHINE_DEPENDENT], 0, id="tagged")],
)
def test_a_differing_cell_fails_unless_tagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tags: list[str], status: int
) -> None:
    write_build(tmp_path / "a", ["0.12 s"], tags)
    write_build(tmp_path / "b", ["0.15 s"], tags)
    assert compare(tmp_path / "a", tmp_path / "b") == status
    out = capsys.readouterr().out
    assert "2 cells compared in 1 chapters." in out
    assert ("DIFFERS  jit cell 2: time()" in out) == (status == 1)
    assert ("jit cell 2: time() (differed)" in out) == (status == 0)


def test_identical_builds_pass(tmp_path: Path) -> None:
    write_build(tmp_path / "a", ["0.12 s"], [])
    write_build(tmp_path / "b", ["0.12 s"], [])
    assert compare(tmp_path / "a", tmp_path / "b") == 0


def test_a_chapter_missing_from_one_build_fails(tmp_path: Path) -> None:
    write_build(tmp_path / "a", ["0.12 s"], [])
    write_build(tmp_path / "b", ["0.12 s"], [])
    (tmp_path / "b" / "html" / "_sources" / "jit.ipynb").rename(
        tmp_path / "b" / "html" / "_sources" / "vmap.ipynb"
    )
    assert compare(tmp_path / "a", tmp_path / "b") == 1


def test_prints_split_into_other_chunks_are_the_same_output(tmp_path: Path) -> None:
    write_build(tmp_path / "a", ["typed: (3,)\n"], [])
    write_build(tmp_path / "b", ["typed:", " (3,)\n"], [])
    assert compare(tmp_path / "a", tmp_path / "b") == 0
