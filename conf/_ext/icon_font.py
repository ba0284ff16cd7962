"""Sphinx extension: cut the theme's Font Awesome fonts down to the icons the book shows.

pydata-sphinx-theme draws its icons (search, light/dark, download, arrows...) from Font
Awesome web fonts of about 110 KB each, for the twenty or so icons a page uses. After the
build, this extension collects every ``fa-NAME`` class in the written pages and in the
theme's scripts (which add a few icons at run time), finds each one's code point in the
theme's stylesheet, and subsets the fonts in the output to those code points
(``fonttools``, woff2 through ``brotli``). The browser tests check that the header's
icons are still drawn.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from fontTools import subset
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
FONTS = "_static/vendor/fontawesome/webfonts"
STYLESHEET = "_static/styles/pydata-sphinx-theme.css"
# Scripts that may create icons in the browser (not fontawesome.js: the book omits it).
SCRIPTS = ("_static/scripts/pydata-sphinx-theme.js", "_static/scripts/sphinx-book-theme.js")
ICON_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
# The body of a rule of the stylesheet that gives icons their glyph: .fa-a,.fa-b{--fa:"\f002"}
GLYPH = re.compile(r'\{--fa:"\\([0-9a-f]+)"')


def code_points(css: str) -> dict[str, int]:
    r"""Return the code point of every icon name that ``css`` defines.

    Examples:
        >>> code_points('.fa-magnifying-glass,.fa-search{--fa:"\\f002"}')
        {'magnifying-glass': 61442, 'search': 61442}
        >>> code_points('@media print{.fa-x{--fa:"\\f00d"}}')
        {'x': 61453}
    """
    found = {}
    for rule in GLYPH.finditer(css):  # the selectors run back to the previous brace
        start = max(css.rfind("}", 0, rule.start()), css.rfind("{", 0, rule.start())) + 1
        for selector in css[start : rule.start()].split(","):
            name = selector.strip().removeprefix(".fa-")
            if name != selector.strip():
                found[name] = int(rule[1], 16)
    return found


def used_icons(outdir: Path) -> set[str]:
    """Return the ``fa-`` names in the built pages and in the theme's scripts."""
    texts = [path.read_text(errors="ignore") for path in outdir.rglob("*.html")]
    texts += [(outdir / s).read_text() for s in SCRIPTS if (outdir / s).is_file()]
    return {name for text in texts for name in ICON_CLASS.findall(text)}


def _subset(app: Sphinx, exception: Exception | None) -> None:
    outdir = Path(app.outdir)
    if exception is not None or app.builder.format != "html" or not (outdir / FONTS).is_dir():
        return
    points = code_points((outdir / STYLESHEET).read_text())
    names = used_icons(outdir)
    # Names that are modifiers (fa-solid, fa-lg, fa-fw...) have no glyph of their own.
    wanted = sorted({points[name] for name in names if name in points})
    if not wanted:
        LOGGER.warning("no Font Awesome icon found in the pages: fonts left whole")
        return
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    # Sphinx copies the theme's whole fonts into the output on every build: cut each again.
    for font_file in sorted((outdir / FONTS).glob("*.woff2")):
        # From bytes in memory: fontTools would keep the file open, and it is written back.
        font = subset.load_font(io.BytesIO(font_file.read_bytes()), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        subset.save_font(font, str(font_file), options)


def setup(app: Sphinx) -> dict[str, object]:
    """Subset the icon fonts once the HTML is written."""
    app.connect("build-finished", _subset)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
