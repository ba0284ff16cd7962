"""Sphinx extension: local fixes of what axe-core finds in the theme's and myst-nb's HTML.

myst-nb names the summary of every hidden cell "Toggle hidden content" while it shows
"Show code cell content": a name that does not contain the visible label fails WCAG 2.5.3
(axe's ``label-content-name-mismatch``). Without the ``aria-label`` the summary's visible
text is its name. (The theme's search button gets the same fix in
``_templates/components/search-button-field.html``; colours are fixed in ``jax101.css``.)
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

MISLABELLED = '<summary aria-label="Toggle hidden content">'


def named_by_text(body: str) -> str:
    """Return ``body`` with myst-nb's mislabelled summaries named by their visible text.

    Examples:
        >>> named_by_text('<summary aria-label="Toggle hidden content">Show</summary>')
        '<summary>Show</summary>'
    """
    return body.replace(MISLABELLED, "<summary>")


def _fix(
    _app: Sphinx,
    _pagename: str,
    _templatename: str,
    context: dict[str, Any],
    _doctree: nodes.document | None,
) -> None:
    if "body" in context:
        context["body"] = named_by_text(context["body"])


def setup(app: Sphinx) -> dict[str, object]:
    """Fix each page's body before the theme lays it out."""
    app.connect("html-page-context", _fix)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
