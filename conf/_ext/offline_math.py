"""Sphinx extension: serve MathJax from the built site, never from a CDN.

MathJax 3's ``tex-svg.js`` bundle (from the ``django-static-mathjax`` distribution in the
lock file) is self-contained: it draws glyphs as SVG paths, so it needs no font files and
makes no request once loaded. It is copied into ``_static`` and used for every page.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

BUNDLE = "tex-svg.js"


def mathjax_bundle() -> Path:
    """Return the path of the installed MathJax 3 ``tex-svg.js`` bundle.

    Raises:
        RuntimeError: If the ``mathjax`` package (django-static-mathjax) is missing.

    Examples:
        >>> mathjax_bundle().name
        'tex-svg.js'
    """
    spec = importlib.util.find_spec("mathjax")
    if spec is None or spec.origin is None:
        msg = "MathJax is not installed: install the docs dependency group (django-static-mathjax)"
        raise RuntimeError(msg)
    bundle = Path(spec.origin).parent / "static" / "mathjax" / "es5" / BUNDLE
    if not bundle.is_file():
        msg = f"MathJax bundle {BUNDLE} not found in the installed mathjax package"
        raise RuntimeError(msg)
    return bundle


def _configure(_app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(mathjax_bundle())]
    config.mathjax_path = BUNDLE


def setup(app: Sphinx) -> dict[str, object]:
    """Point Sphinx's mathjax extension at the local bundle."""
    app.connect("config-inited", _configure)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
