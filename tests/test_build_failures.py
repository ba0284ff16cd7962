"""Every contributor mistake fails the build with one clear message.

Each message names the file (and, for a cell, its number, line and first line), says what
went wrong and what to do, without a page of nbclient/asyncio traceback and without
knock-on warnings. One fixture book holds one mistake per chapter and is built once.
"""

from __future__ import annotations

import re

import pytest
from booktools import chapter, sphinx_build, write_book

pytestmark = pytest.mark.slow

LATER_GLUE = "\n```{code-cell} ipython3\nfrom myst_nb import glue\nglue('marker_later', 1)\n```\n"
BROKEN = {
    "raises": chapter("Raises", "import jax101", "marker_raises = 1\nmarker_raises / 0")
    + LATER_GLUE
    + "\nGlued after the failure: {glue:text}`marker_later`.\n",
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
    "glue_missing": chapter("Glue missing", "1 + 1", prose="It is {glue:text}`marker_unglued`.\n"),
    "broken_refs": chapter(
        "Broken refs",
        prose="See {doc}`marker_no_doc`, {ref}`marker-no-label` and {eq}`marker-no-eq`.\n",
    ),
    "bad_yaml": "---\njupytext: [marker unclosed\n---\n\n# Bad YAML\n\n"
    "```{code-cell} ipython3\n1\n```\n",
    "no_kernelspec": "---\njupytext:\n  text_representation:\n    extension: .md\n"
    "    format_name: myst\n---\n\n# No kernelspec\n\n```{code-cell} ipython3\n1\n```\n",
    "unknown_directive": chapter("Unknown directive", prose="```{marker-directive}\n```\n"),
    "math_typo": chapter("Math typo", "1 + 1", prose="Some prose.\n\nHalf is $\\fracc{1}{2}$.\n"),
}


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory):
    """Build a book whose every chapter is broken in a different way (and one orphan)."""
    root = tmp_path_factory.mktemp("broken")
    write_book(root / "docs", BROKEN)
    (root / "docs" / "orphan.md").write_text("# Orphan\n\nIn no toctree.\n")
    result = sphinx_build(root / "docs", root / "build")
    return root, result.returncode, result.stdout + result.stderr


def messages_about(log: str, name: str) -> str:
    """Return the warnings (with their continuation lines) whose location is ``name``.md."""
    blocks = re.split(r"\n(?=\S+?\.md(?::\d+)?: (?:WARNING|ERROR))", "\n" + log)
    return "\n".join(b for b in blocks if re.match(rf"\S*/{name}\.md(:\d+)?: ", b.strip()))


def test_the_build_exits_non_zero(broken_build):
    _, returncode, _ = broken_build
    assert returncode != 0


@pytest.mark.parametrize(
    ("name", "cell", "what", "advice"),
    [
        pytest.param("raises", "cell 2 (`marker_raises = 1`)", "raised ZeroDivisionError",
                     "jax101.expect_error", id="exception"),
        pytest.param("times_out", "cell 1 (`import time`)", "ran past its time limit",
                     "execution_timeout", id="timeout"),
        pytest.param("deprecated", "cell 1 (`import warnings`)", "raised DeprecationWarning",
                     "use its replacement", id="deprecation"),
        pytest.param("future", "cell 1 (`import warnings`)", "raised FutureWarning",
                     "write it the new way", id="future-warning"),
        pytest.param("false_claim", "cell 1 (`import jax101`)", "raised CheckFailed",
                     "a claim of the chapter no longer holds", id="check"),
        pytest.param("error_gone", "cell 1 (`import jax101`)", "raised CheckFailed",
                     "a claim of the chapter no longer holds", id="expect-error"),
    ],
)  # fmt: skip
def test_a_failing_cell_is_named_with_what_to_do(broken_build, name, cell, what, advice):
    _, _, log = broken_build
    report = messages_about(log, name)
    assert cell in report
    assert what in report
    assert f"What to do: {advice}" in report or advice in report
    assert re.search(rf"/{name}\.md:\d+: WARNING: cell", report)  # file and line
    assert report.count("WARNING") == 1  # one message, no knock-on warnings


def test_no_library_traceback_and_no_stale_reports_path(broken_build):
    root, _, log = broken_build
    assert "nbclient" not in log
    assert "asyncio" not in log
    assert "html/reports" not in log
    assert (root / "build" / "reports" / "raises.err.log").is_file()
    assert not (root / "build" / "html" / "reports").exists()
    assert "marker_later" not in log  # the glue key of a cell that never ran


def test_a_failed_check_states_claim_expected_and_actual(broken_build):
    _, _, log = broken_build
    report = messages_about(log, "false_claim")
    assert "Claim failed: marker two plus two is five" in report
    assert "expected: 5.0" in report
    assert "actual:   4.0" in report
    assert "----> 2 jax101.check_close(2.0 + 2.0, 5.0" in report  # the chapter's line
    assert "raise _fail" not in report  # not the frames inside jax101


@pytest.mark.parametrize(
    ("name", "words"),
    [
        pytest.param(
            "glue_missing", ["'marker_unglued', which no cell", "What to do"], id="glue-key"
        ),
        pytest.param("orphan", ["toctree"], id="no-toctree"),
        pytest.param("broken_refs", ["marker_no_doc"], id="doc-ref"),
        pytest.param("broken_refs", ["marker-no-label"], id="ref"),
        pytest.param("broken_refs", ["marker-no-eq"], id="equation"),
        pytest.param("bad_yaml", ["front matter", "not valid YAML", "What to do"], id="yaml"),
        pytest.param("no_kernelspec", ["no kernelspec", "name: python3"], id="kernelspec"),
        pytest.param("unknown_directive", ["marker-directive"], id="directive"),
    ],
)
def test_other_mistakes_name_the_file(broken_build, name: str, words: list[str]):
    _, _, log = broken_build
    report = messages_about(log, name)
    for word in words:
        assert word in report, log[-4000:]


def test_a_missing_glue_key_gives_one_message(broken_build):
    _, _, log = broken_build
    report = messages_about(log, "glue_missing")
    assert report.count("WARNING") == 1
    assert report.count("[mystnb.glue]") == 1  # myst-nb's own text said it twice


def test_malformed_front_matter_gives_one_message(broken_build):
    _, _, log = broken_build
    assert messages_about(log, "bad_yaml").count("WARNING") == 1
    assert "Jupytext header content was missing" not in log


def test_a_math_typo_names_file_line_formula_and_fix(broken_build):
    root, _, log = broken_build
    report = messages_about(log, "math_typo")
    source = (root / "docs" / "math_typo.md").read_text().splitlines()
    line = next(n for n, text in enumerate(source, 1) if "fracc" in text)
    formula = "`\\fracc{1}{2}`"
    assert f"/math_typo.md:{line}: WARNING: KaTeX cannot typeset the formula {formula}" in report
    assert "Undefined control sequence" in report  # KaTeX's own message
    assert "What to do: fix the TeX" in report
    assert report.count("WARNING") == 1


def test_no_crash_report(broken_build):
    _, _, log = broken_build
    assert "please open an issue" not in log
    assert "build error" not in log  # "Sphinx parallel build error!"
    assert "KaTeXError" not in log
