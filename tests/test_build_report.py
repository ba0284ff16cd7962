"""Fast unit tests of the build report's rows, table and bookkeeping (no Sphinx build)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from docutils import nodes

import build_report

RECORD = {
    "python_version": "3.11.7",
    "jax_version": "0.10.2",
    "jaxlib_version": "0.10.1",
    "backend": "cpu",
    "devices": "8 x cpu",
    "checks": 12,
    "exercises": 3,
}


def test_a_passed_chapter_row_gives_time_runtime_checks_exercises_and_platform():
    moment = datetime.datetime(2026, 3, 4, 5, 6, tzinfo=datetime.UTC)
    row = build_report.row_texts(
        {"mtime": moment.timestamp(), "runtime": 3.25, "succeeded": True}, RECORD
    )
    assert row == [
        "2026-03-04 05:06 UTC",
        "3.2",  # 3.25 s to one decimal, rounded half to even as Python formats it
        "passed",
        "12",
        "3",
        "JAX 0.10.2 (jaxlib 0.10.1), cpu backend (8 x cpu)",
    ]


def test_a_failed_chapter_row_names_the_error_and_has_no_record():
    row = build_report.row_texts(
        {"mtime": 0.0, "runtime": None, "succeeded": False, "error": "CellTimeoutError"}, None
    )
    assert row[1:] == ["—", "FAILED (CellTimeoutError)", "—", "—", "—"]


def test_the_table_has_a_header_and_one_row_per_chapter():
    rows = [[nodes.Text(f"c{i}{j}") for j in range(len(build_report.COLUMNS))] for i in range(3)]
    table = build_report._table(rows)
    head = next(iter(table.findall(nodes.thead)))
    body = next(iter(table.findall(nodes.tbody)))
    assert [e.astext() for e in head.findall(nodes.entry)] == list(build_report.COLUMNS)
    assert len(list(body.findall(nodes.row))) == 3
    assert [e.astext() for e in body.findall(nodes.entry)][:2] == ["c00", "c01"]


def test_the_report_page_is_rewritten_when_any_other_page_was_read():
    env = SimpleNamespace()
    build_report._report_pages(env).add("appendix/build-report")
    build_report._before_read(None, env, ["jit", "appendix/build-report"])
    assert build_report._updated(None, env) == ["appendix/build-report"]
    build_report._before_read(None, env, ["appendix/build-report"])
    assert build_report._updated(None, env) == []
    build_report._before_read(None, env, [])  # a build that reads nothing
    assert build_report._updated(None, env) == []


def test_report_pages_are_forgotten_when_purged_and_merged_from_parallel_readers():
    env = SimpleNamespace()
    build_report._report_pages(env).update({"appendix/build-report", "other"})
    build_report._purge(None, env, "appendix/build-report")
    assert build_report._report_pages(env) == {"other"}
    theirs = SimpleNamespace(jax101_report_pages={"third"})
    build_report._merge(None, env, set(), theirs)
    assert build_report._report_pages(env) == {"other", "third"}
