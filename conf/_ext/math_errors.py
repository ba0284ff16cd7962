"""Sphinx extension: a formula KaTeX cannot typeset is one warning, like a failed cell.

sphinxcontrib-katex raises ``KaTeXError`` from its HTML visitors, and Sphinx turns an
exception while writing into a crash report ("please open an issue") that names neither
the chapter nor the line. This extension registers the same visitors under the math
renderer ``katex_reported``, which catches the error per formula: the build logs one
warning at the formula's ``docs/FILE.md:LINE`` with the formula, KaTeX's message and what
to do, writes the formula's TeX source in its place, and goes on (``-W`` then fails the
build, with every bad formula reported).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sphinxcontrib.katex
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

RENDERER = "katex_reported"
ADVICE = (
    "fix the TeX: KaTeX typesets a subset of LaTeX math (its documentation lists the "
    "supported functions); a macro it lacks can often be written with ones it has"
)

Visitor = Callable[[Any, nodes.Element], None]


def math_message(latex: str, error: str) -> str:
    r"""Say which formula KaTeX rejected, why, and what to do.

    Examples:
        >>> print(math_message(r"\fracc{1}{2}", "KaTeX parse error: Undefined control sequence"))
        ... # doctest: +NORMALIZE_WHITESPACE
        KaTeX cannot typeset the formula `\fracc{1}{2}`:
            KaTeX parse error: Undefined control sequence
        What to do: fix the TeX: KaTeX typesets a subset of LaTeX math (its documentation lists
        the supported functions); a macro it lacks can often be written with ones it has
    """
    formula = " ".join(latex.split())
    return (
        f"KaTeX cannot typeset the formula `{formula}`:\n    {' '.join(error.split())}\n"
        f"What to do: {ADVICE}"
    )


def reporting(visit: Visitor) -> Visitor:
    """Wrap a KaTeX visitor: a formula KaTeX rejects becomes a warning and its TeX source."""

    def visit_reporting_errors(self: Any, node: nodes.Element) -> None:
        start = len(self.body)
        try:
            visit(self, node)
        except sphinxcontrib.katex.KaTeXError as error:
            del self.body[start:]  # the visitor's opening tag and equation number
            latex = sphinxcontrib.katex.get_latex(node)
            logger.warning(
                math_message(latex, str(error)), location=node, type="jax101", subtype="math"
            )
            self.body.append(f'<code class="jax101-math-error">{self.encode(latex)}</code>')
            raise nodes.SkipNode from None

    return visit_reporting_errors


def _select(_app: Sphinx, config: Config) -> None:
    config.html_math_renderer = RENDERER


def setup(app: Sphinx) -> dict[str, object]:
    """Register the reporting KaTeX renderer and select it."""
    app.setup_extension("sphinxcontrib.katex")
    app.add_html_math_renderer(
        RENDERER,
        inline_renderers=(reporting(sphinxcontrib.katex.html_visit_math), None),
        block_renderers=(reporting(sphinxcontrib.katex.html_visit_displaymath), None),
    )
    app.connect("config-inited", _select)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
