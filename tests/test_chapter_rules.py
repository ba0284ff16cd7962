"""Every chapter obeys the two rules that keep the book honest (see Contributing).

1. Every check can fail: no ``check``/``check_close`` whose condition is a literal, which
   compares an expression with itself, or which involves no value computed by JAX. (The
   check helpers themselves refuse, at run time, a ``check_close`` whose tolerance would
   accept a clearly wrong answer; ``test_checks.py`` tests that half.)
2. No typed outputs: decimals and scientific notation in prose are glued, except the
   reviewed inputs in ``TYPED_INPUTS``.

Each rule is also run on a deliberately bad fixture chapter, to prove that it can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from booktools import ROOT, chapter
from chapter_scan import typed_numbers, weak_checks

CHAPTERS = sorted((ROOT / "docs").glob("**/*.md"))

# Checks about NumPy or Python that a chapter makes on purpose, as a contrast with JAX:
# (chapter, text of the claim) -> why it is allowed.
CONTRAST_CHECKS = {
    ("random.md", "with NumPy's global seed"): "shows NumPy's hidden state, JAX's foil",
}

# Typed numbers that restate an input, a definition or a hand derivation, not an output:
# (chapter, exact phrase) -> why it is allowed.
TYPED_INPUTS = {
    ("advanced-autodiff.md", "relative error of\n$10^{-4}$"): "the check's stated tolerance",
    ("arrays.md", "$1 + 10^{-10}$"): "the input of the float32 rounding example",
    ("autodiff.md", "2.2 \\times 10^{-16}"): "float64 machine epsilon, a documented constant",
    ("control-flow.md", "at $x = 1.5$ with"): "the point the table differentiates at",
    ("control-flow.md", "conditionals at $x = 1.5$"): "the same evaluation point",
    ("control-flow.md", "$|y^2 - a| < 10^{-5} a$"): "the exercise's stopping rule, an input",
    ("control-flow.md", "at $x = 0.5$ and at $x = 2$"): "the exercise's evaluation points",
    ("logistic-regression.md", "((2, -1), -0.8)$"): "the true parameters, inputs of the data",
    ("logistic-regression.md", "$\\sigma(\\eta) > 0.5$"): "the decision threshold, a definition",
    ("logistic-regression.md", "loss of about\n0.41 and an accuracy of about 0.80"): (
        "figures of the source notebook, quoted as such and checked as a neighbourhood"
    ),
    ("logistic-regression.md", "drops below $10^{-6}$"): "the threshold of the count, an input",
    ("logistic-regression.md", "$\\lambda = 0.1$"): "the exercise's regularization, an input",
    ("logistic-regression.md", "within $10^{-3}$"): "the exercise's target, an input",
    ("logistic-regression.md", "learning rate $3 \\times\n10^{-2}$"): "the exercise's input",
    ("logistic-regression.md", "so at $3 \\times\n10^{-2}$"): "the exercise's learning rate",
    ("logistic-regression.md", "so at $3 \\times 10^{-2}$"): "the exercise's learning rate",
    ("pytrees.md", "$\\beta = 0.9$, $\\eta = 0.1$"): "the exercise's optimizer settings",
    ("random.md", "$e \\sim \\mathcal N(0, 0.5^2)$"): "the noise scale, an input",
    ("random.md", "scaled by 0.5"): "the noise scale, an input",
    ("random.md", "\\sqrt{1 + 0.25} \\approx 1.118"): "derived by hand from the inputs",
    ("random.md", "$e = 0.5x$ gives $y = 1.5x$"): "derived by hand from the inputs",
    ("random.md", "= 1.5\\,\\operatorname"): "derived by hand from the inputs",
    ("random.md", "stretched by 1.5"): "derived by hand from the inputs",
    ("random.md", "find slope 1.5"): "derived by hand from the inputs",
    ("random.md", "$b = -0.8$"): "the true bias of the data set, an input",
    ("sharp-bits.md", "$10^{-8}$ added to 1"): "the input of the rounding example",
}


def _weak(path: Path) -> list[str]:
    source = path.read_text()
    allowed = [claim for (name, claim) in CONTRAST_CHECKS if name == path.name]
    lines = source.splitlines()
    found = []
    for finding in weak_checks(source):
        # The claim text is on the check's line or in the next few lines of the call.
        call = "\n".join(lines[finding.line - 1 : finding.line + 4])
        if not any(claim in call for claim in allowed):
            found.append(str(finding))
    return found


def _typed(path: Path) -> list[str]:
    allowed = {phrase: why for (name, phrase), why in TYPED_INPUTS.items() if name == path.name}
    return [str(finding) for finding in typed_numbers(path.read_text(), allowed)]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_check_can_fail(path: Path):
    found = _weak(path)
    assert not found, f"{path.name}: checks that cannot fail:\n" + "\n".join(found)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_typed_outputs_in_prose(path: Path):
    found = _typed(path)
    assert not found, (
        f"{path.name}: glue these numbers, or add a reviewed input to TYPED_INPUTS:\n"
        + "\n".join(found)
    )


def test_the_allow_lists_are_all_used():
    """An entry that no longer matches anything is stale and must be removed."""
    for name, claim in CONTRAST_CHECKS:
        assert claim in (ROOT / "docs" / name).read_text(), (name, claim)
    for name, phrase in TYPED_INPUTS:
        assert phrase in (ROOT / "docs" / name).read_text(), (name, phrase)


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
