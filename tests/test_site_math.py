"""Math is typeset at build time by KaTeX: numbering, references, align and copy-as-TeX work,
and a formula KaTeX cannot typeset fails the build instead of showing red text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from booktools import sphinx_build, write_book

pytestmark = pytest.mark.slow

GOOD = r"""# Math

Inline $x^2$ and a numbered equation:

$$ f(x) = \sin(x)^2 $$ (eq-f)

As {eq}`eq-f` says. Two aligned rows:

\begin{align}
a &= b + c \\
d &= e
\end{align}
"""


def test_math_is_prerendered_with_numbers_references_and_tex(tmp_path: Path):
    write_book(tmp_path / "src", {"math": GOOD})
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    page = (tmp_path / "out" / "html" / "math.html").read_text()
    assert page.count('class="katex"') >= 3  # inline, the equation, the align block
    assert "\\begin{align}" not in re.sub(r"<annotation.*?</annotation>", "", page, flags=re.S)
    assert '<span class="eqno">(1)' in page  # Sphinx numbers the labelled equation...
    assert re.search(r'<a class="reference internal" href="#equation-eq-f">.*?\(1\)', page)
    # ...and the TeX rides along for screen readers and copy-as-TeX.
    assert '<annotation encoding="application/x-tex">' in page
    assert "copy-tex.min.js" in page
    assert not re.search(r"<script[^>]*(mathjax|tex-svg)", page, flags=re.I)  # no math script
    static = tmp_path / "out" / "html" / "_static"
    css = (static / "katex" / "katex.min.css").read_text()
    assert ".woff2" in css
    assert ".ttf" not in css
    assert all(
        (static / "katex" / "fonts" / name).is_file()
        for name in re.findall(r"fonts/(KaTeX_[\w-]+\.woff2)", css)
    )
    assert ".katex .eqn-num::before" in (static / "jax101.css").read_text()


def test_an_unsupported_macro_fails_the_build(tmp_path: Path):
    write_book(tmp_path / "src", {"bad": "# Bad\n\nThis is $\\notamacro{x}$ here.\n"})
    result = sphinx_build(tmp_path / "src", tmp_path / "out")
    assert result.returncode != 0
    assert "notamacro" in result.stdout + result.stderr
