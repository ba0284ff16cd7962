"""The icon-font extension cuts the theme's fonts down to the icons the pages use."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pydata_sphinx_theme
from fontTools.ttLib import TTFont

import icon_font

THEME_STATIC = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static"
SEARCH, DOWNLOAD = 0xF002, 0xF019  # fa-magnifying-glass, fa-download (solid)


def characters(font_file: Path) -> set[int]:
    return set(TTFont(io.BytesIO(font_file.read_bytes())).getBestCmap())


def test_the_fonts_keep_exactly_the_icons_the_pages_use(tmp_path: Path):
    outdir = tmp_path / "html"
    shutil.copytree(THEME_STATIC / "vendor/fontawesome/webfonts", outdir / icon_font.FONTS)
    (outdir / icon_font.STYLESHEET).parent.mkdir(parents=True)
    shutil.copy(THEME_STATIC / "styles/pydata-sphinx-theme.css", outdir / icon_font.STYLESHEET)
    (outdir / "index.html").write_text('<i class="fa-solid fa-magnifying-glass"></i>')
    solid = outdir / icon_font.FONTS / "fa-solid-900.woff2"
    assert {SEARCH, DOWNLOAD} <= characters(solid)
    whole = solid.stat().st_size

    app = SimpleNamespace(outdir=str(outdir), builder=SimpleNamespace(format="html"))
    icon_font._subset(app, None)
    assert SEARCH in characters(solid)
    assert DOWNLOAD not in characters(solid)
    assert solid.stat().st_size < whole / 10
