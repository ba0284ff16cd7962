"""Sphinx extension: cut the theme's Font Awesome fonts down to the icons the book shows.

pydata-sphinx-theme draws its icons (search, light/dark, download, arrows...) from Font
Awesome web fonts of about 110 KB each, for the twenty or so icons a page uses. After the
build, this extension collects every ``fa-NAME`` class in the written pages and in the
theme's scripts (which add a few icons at run time), finds each one's code point in the
theme's stylesheet, and subsets the fonts in the output to those code points
(``fonttools``, woff2 through ``brotli``). Cut fonts are kept beside the doctrees, so a
build that shows the same icons copies them back instead of cutting again. The browser
tests check that the header's icons are still drawn.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

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
    # Sphinx copies the theme's whole fonts into the output on every build: cut each again,
    # from a cache of cut fonts (beside the doctrees) when the same font was cut before.
    cache = Path(app.doctreedir) / "icon_fonts"
    for font_file in sorted((outdir / FONTS).glob("*.woff2")):
        whole = font_file.read_bytes()
        key = hashlib.sha256(whole + repr(wanted).encode()).hexdigest()[:32]
        cut = cache / f"{key}.woff2"
        if not cut.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            partial = cut.with_suffix(".partial")
            partial.write_bytes(cut_font(whole, wanted))
            partial.replace(cut)  # a build stopped midway leaves no broken cache entry
        font_file.write_bytes(cut.read_bytes())


def cut_font(font: bytes, code_points: list[int]) -> bytes:
    """Return a woff2 font cut down to the glyphs of ``code_points`` (all layout kept)."""
    from fontTools import subset  # noqa: PLC0415 - only when a font is cut

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    # From bytes in memory: fontTools would keep a file open.
    loaded = subset.load_font(io.BytesIO(font), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=code_points)
    subsetter.subset(loaded)
    out = io.BytesIO()
    subset.save_font(loaded, out, options)
    return out.getvalue()


def setup(app: Sphinx) -> dict[str, object]:
    """Subset the icon fonts once the HTML is written."""
    app.connect("build-finished", _subset)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
