"""A tiny book built with the real book's configuration (tests/test_build_adapter.py)."""

from pathlib import Path

_BOOK_CONF = Path(__file__).resolve().parents[3] / "conf" / "conf.py"
_settings = {"__file__": str(_BOOK_CONF)}
exec(compile(_BOOK_CONF.read_text(), str(_BOOK_CONF), "exec"), _settings)
globals().update({k: v for k, v in _settings.items() if not k.startswith("_")})
# Paths that the book's conf.py gives relative to its own folder.
html_static_path = [str(_BOOK_CONF.parent / "_static")]
