"""Every chapter obeys the rules that keep the book honest (see Contributing).

1. Every check can fail: no ``check``/``check_close`` whose condition is a literal, which
   compares an expression with itself, or which involves no value computed by JAX. (The
   check helpers themselves refuse, at run time, a ``check_close`` whose tolerance would
   accept a clearly wrong answer; ``test_checks.py`` tests that half.)
2. No typed outputs: decimals and scientific notation in prose are glued, except the
   reviewed inputs in ``TYPED_INPUTS``.
3. The same page on every build: no draw from NumPy's global random state or an unseeded
   generator, and every cell that times something is tagged ``machine-dependent``.

The rules and their reviewed exceptions live in ``chapter_scan.py``; ``nox -s lint`` runs
the same rules (``tools/lint_chapters.py``) and prints ``file:line: message (fix)``.

Each rule is also run on a deliberately bad fixture chapter, to prove that it can fail.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from booktools import ROOT, chapter
from chapter_scan import (
    CONTRAST_CHECKS,
    CONTRAST_RANDOM,
    PACKAGE_TIMERS,
    RULES,
    TYPED_INPUTS,
    UNTAGGED_TIMINGS,
    chapter_findings,
    global_random,
    typed_numbers,
    untagged_timings,
    weak_checks,
)

import jax101

CHAPTERS = sorted((ROOT / "docs").glob("**/*.md"))


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_page_keeps_every_rule(path: Path, rule: str):
    """The rules of tests/chapter_scan.py (RULES says what each guards) find nothing."""
    findings = chapter_findings(path.name, path.read_text(encoding="utf8"))[rule]
    found = [str(f) for f in findings]
    assert not found, f"{path.name}: {RULES[rule]}, but:\n" + "\n".join(found)


def test_the_allow_lists_are_all_used():
    """An entry that no longer matches anything is stale and must be removed."""
    for name, claim in CONTRAST_CHECKS:
        assert claim in (ROOT / "docs" / name).read_text(), (name, claim)
    for name, phrase in TYPED_INPUTS:
        assert phrase in (ROOT / "docs" / name).read_text(), (name, phrase)
    for name, line in [*CONTRAST_RANDOM, *UNTAGGED_TIMINGS]:
        assert line in (ROOT / "docs" / name).read_text().splitlines(), (name, line)


WEAK = chapter(
    "Weak checks",
    "import jax.numpy as jnp\nimport math\nimport jax101",
    'jax101.check(True, claim="a literal")',
    'x = jnp.arange(3.0)\njax101.check_close(x, x, claim="itself")',
    'n = 12\ntail = 1 / math.factorial(n)\njax101.check_close(tail, 2e-9, rtol=0.1, claim="py")',
    'jax101.check(jnp.finfo(jnp.float32).eps > 1e-10, claim="a constant of the library")',
    'total = sum(k for k in range(5))\njax101.check(total == 10, claim="Python arithmetic")',
    'jax101.check(bool(x.sum() == 3.0), claim="a JAX value: this one is fine")',
)


def test_the_scan_finds_every_kind_of_weak_check():
    found = weak_checks(WEAK)
    reasons = [f.message for f in found]
    assert len(found) == 5, reasons
    assert "literal True" in reasons[0]
    assert "with itself" in reasons[1]
    assert all("no value computed by JAX" in r for r in reasons[2:])
    lines = WEAK.splitlines()
    assert 'claim="a literal"' in lines[found[0].line - 1]


def test_the_scan_follows_names_through_mutation_and_functions():
    ok = chapter(
        "Fine checks",
        "import jax\nimport jax.numpy as jnp\nimport jax101",
        "seen = []\njax.jit(lambda v: seen.append(v.shape) or v)(jnp.ones(2))\n"
        'jax101.check(seen == [(2,)], claim="mutated by a traced function")',
        'def twice(v):\n    return 2 * v\n\njax101.check(twice(3) == 6, claim="a user function")',
        'grads = jax.grad(lambda w: w**2)(3.0)\njax101.check_close(grads, 6.0, claim="grad")',
    )
    assert weak_checks(ok) == []


TYPED = chapter(
    "Typed outputs",
    "x = 1",
    prose=(
        "The loss fell to 0.41 and the error to $3 \\times 10^{-4}$ (or 1e-5).\n\n"
        "Glued: {glue:text}`loss:.3f`; code: `0.5`; a link [v1.2](https://example.org/1.2).\n\n"
        "<!-- 0.99 in a comment -->\n\n```{admonition} Note\nan accuracy of 0.80\n```\n"
    ),
)


def test_the_prose_scan_finds_typed_numbers():
    found = [f.message for f in typed_numbers(TYPED, {})]
    assert found == [
        "typed number '0.41' in prose",
        "typed number '3 \\\\times 10^{-4}' in prose",
        "typed number '1e-5' in prose",
        "typed number '0.80' in prose",
    ]
    allowed = {"fell to 0.41": "", "$3 \\times 10^{-4}$": "", "1e-5": "", "of 0.80": ""}
    assert typed_numbers(TYPED, allowed) == []


def test_a_number_ending_a_sentence_or_a_clause_is_a_typed_number():
    """The sentences that slipped through: a number before a full stop was not flagged."""
    page = chapter(
        "Slipped through",
        "x = 1",
        prose=(
            "Their mean is 4.5.\n\nIn short, their mean is 5.5. Next sentence.\n\n"
            "A mean of 2.5, then (about 0.25) and [near 0.75] and 1e-3.\n"
        ),
    )
    found = [(f.line, f.message) for f in typed_numbers(page, {})]
    lines = page.splitlines()
    assert [m for _, m in found] == [
        f"typed number {n!r} in prose" for n in ("4.5", "5.5", "2.5", "0.25", "0.75", "1e-3")
    ]
    assert "4.5." in lines[found[0][0] - 1]
    assert "5.5." in lines[found[1][0] - 1]


def test_inputs_versions_and_integers_are_not_typed_outputs():
    page = chapter(
        "Inputs",
        "x = 1",
        prose=(
            "A 4 × 3 matrix, seed 0, 512 points, JAX 0.4.30 or v1.2.\n\n"  # noqa: RUF001
            "We stop when the change is below a tolerance of $10^{-6}$.\n"
        ),
    )
    assert [f.message for f in typed_numbers(page, {})] == ["typed number '10^{-6}' in prose"]
    assert typed_numbers(page, {"tolerance of $10^{-6}$": "an input"}) == []


RANDOM = chapter(
    "Unseeded",
    "import numpy as np\nimport random\nfrom numpy.random import randint",
    "a = np.random.randn(3)\nnp.random.seed(1)\nb = np.random.rand()",
    "rng = np.random.default_rng()\nother = np.random.default_rng(seed=None)\nc = randint(5)",
    "d = random.random()\ne = random.Random()",
    "ok = np.random.default_rng(0)\nfine = ok.normal(size=3)\nsame = random.Random(4)",
    "from jax import random as jr\nk = jr.normal(jr.key(0), (3,))",
)


def test_the_scan_finds_global_and_unseeded_random_numbers():
    found = global_random(RANDOM)
    lines = RANDOM.splitlines()
    where = [lines[f.line - 1] for f in found]
    assert [f.message for f in found] == [
        "np.random.randn draws from NumPy's global random state",
        "np.random.seed seeds NumPy's global random state",
        "np.random.rand draws from NumPy's global random state",
        "np.random.default_rng() is an unseeded generator",
        "np.random.default_rng(seed=None) is an unseeded generator",
        "randint draws from NumPy's global random state",
        "random.random draws from Python's global random state",
        "random.Random() is an unseeded generator",
    ]
    assert where[0] == "a = np.random.randn(3)"
    assert where[-1] == "e = random.Random()"
    assert "rng.standard_normal(...)" in found[0].fix
    assert "np.random.default_rng(0)" in found[3].fix


TIMED = chapter(
    "Timings",
    "import time\nimport timeit\nimport jax101",
    "%timeit sum(range(9))",
    "%%time\nsum(range(9))",
    "t0 = time.perf_counter()\nx = sum(range(9))\nprint(time.perf_counter() - t0)",
    "t = jax101.time_call(sum, [1, 2], repeats=3)",
    "def bench():\n    return timeit.timeit('1 + 1', number=3)",
    "b = bench()",
    ":tags: [machine-dependent]\nfast = jax101.time_compile(sum, [1])",
    "def unused():\n    return time.time()\n\n\nx = 2",
)


def test_the_scan_finds_untagged_timings():
    found = untagged_timings(TIMED)
    lines = TIMED.splitlines()
    assert [f.message.split(" (")[1].split(")")[0] for f in found] == [
        "%timeit", "%%time", "time.perf_counter", "jax101.time_call", "bench",
    ]  # fmt: skip
    assert [lines[f.line - 1] for f in found] == [
        "%timeit sum(range(9))",
        "%%time",
        "t0 = time.perf_counter()",
        "t = jax101.time_call(sum, [1, 2], repeats=3)",
        "b = bench()",
    ]
    assert all(":tags: [machine-dependent]" in f.fix for f in found)


def test_the_package_timers_are_all_known():
    """Every public jax101 function that (through others) reads a clock is in PACKAGE_TIMERS."""
    defs: dict[str, set[str]] = {}
    for module in (ROOT / "src" / "jax101").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf8"))):
            if isinstance(node, ast.FunctionDef):
                called = {ast.unparse(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
                defs.setdefault(node.name, set()).update(called)
    timing = {"time.perf_counter", "time.time", "time.monotonic", "timeit.timeit"}
    while True:
        more = {name for name, called in defs.items() if called & timing} - timing
        if not more:
            break
        timing |= more
    public = set(jax101.__all__)
    # run_benchmark reaches its timers through the BENCHMARKS table, which this misses.
    assert {f"jax101.{name}" for name in timing & public} <= PACKAGE_TIMERS
    assert {name.removeprefix("jax101.") for name in PACKAGE_TIMERS} <= public


def test_the_lint_prints_file_line_and_the_fix(tmp_path):
    """``nox -s lint`` runs these rules: one line per finding, ``file:line: message (fix)``."""
    page = tmp_path / "slipped.md"
    page.write_text(
        chapter("Slipped", "import numpy as np\nx = np.random.randn(2)", prose="Mean 4.5.\n")
    )
    lint = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "lint_chapters.py"), "--no-ruff", str(page)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert lint.returncode == 1
    out = lint.stdout.splitlines()
    text = page.read_text().splitlines()
    mean = next(k for k, line in enumerate(text, 1) if "4.5." in line)
    draw = next(k for k, line in enumerate(text, 1) if "randn" in line)
    assert (
        out[0]
        == f"{page}:{mean}: typed number '4.5' in prose (glue it" + out[0].split("(glue it")[1]
    )
    assert out[1].startswith(f"{page}:{draw}: np.random.randn draws from NumPy's global")
    assert len(out) == 2
