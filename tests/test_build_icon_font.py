"""The icon-font extension cuts the theme's fonts down to the icons the pages use."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pydata_sphinx_theme
import pytest
from fontTools.ttLib import TTFont

import icon_font

THEME_STATIC = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static"
SEARCH, DOWNLOAD = 0xF002, 0xF019  # fa-magnifying-glass, fa-download (solid)


def characters(font_file: Path) -> set[int]:
    return set(TTFont(io.BytesIO(font_file.read_bytes())).getBestCmap())


def site(tmp_path: Path) -> SimpleNamespace:
    """A written site: a page showing the search icon, the theme's stylesheet and fonts."""
    outdir = tmp_path / "html"
    shutil.copytree(THEME_STATIC / "vendor/fontawesome/webfonts", outdir / icon_font.FONTS)
    (outdir / icon_font.STYLESHEET).parent.mkdir(parents=True)
    shutil.copy(THEME_STATIC / "styles/pydata-sphinx-theme.css", outdir / icon_font.STYLESHEET)
    (outdir / "index.html").write_text('<i class="fa-solid fa-magnifying-glass"></i>')
    builder = SimpleNamespace(format="html")
    return SimpleNamespace(
        outdir=str(outdir), doctreedir=str(tmp_path / "doctrees"), builder=builder
    )


def test_the_fonts_keep_exactly_the_icons_the_pages_use(tmp_path: Path):
    app = site(tmp_path)
    solid = Path(app.outdir) / icon_font.FONTS / "fa-solid-900.woff2"
    assert {SEARCH, DOWNLOAD} <= characters(solid)
    whole = solid.stat().st_size
    icon_font._subset(app, None)
    assert SEARCH in characters(solid)
    assert DOWNLOAD not in characters(solid)
    assert solid.stat().st_size < whole / 10


def test_the_next_build_takes_the_cut_fonts_from_the_cache(tmp_path: Path, monkeypatch):
    app = site(tmp_path)
    fonts = Path(app.outdir) / icon_font.FONTS
    whole = {path.name: path.read_bytes() for path in fonts.glob("*.woff2")}
    icon_font._subset(app, None)
    cut = {path.name: path.read_bytes() for path in fonts.glob("*.woff2")}
    for name, data in whole.items():  # Sphinx copies the whole fonts again
        (fonts / name).write_bytes(data)

    def refuse(*_args: object) -> bytes:
        raise AssertionError("cut again although this font was cut before")

    monkeypatch.setattr(icon_font, "cut_font", refuse)
    icon_font._subset(app, None)
    assert {path.name: path.read_bytes() for path in fonts.glob("*.woff2")} == cut
    (Path(app.outdir) / "other.html").write_text('<i class="fa-solid fa-download"></i>')
    with pytest.raises(AssertionError, match="cut again"):  # a new icon: cut anew
        icon_font._subset(app, None)
