"""Sphinx configuration of JAX 101. Every non-default setting says why it is set."""

from __future__ import annotations

import os
import sys
from pathlib import Path

CONF = Path(__file__).parent
sys.path.insert(0, str(CONF / "_ext"))  # the book's own small extensions

project = "JAX 101"
author = "The JAX 101 authors"
copyright = "2026, The JAX 101 authors"

extensions = [
    "myst_nb",  # chapters are MyST notebooks, executed at build time
    "sphinx.ext.autodoc",  # the API reference of jax101 comes from its docstrings
    "sphinx.ext.napoleon",  # ...which are written in Google style
    "sphinx.ext.intersphinx",  # {func}`jax.grad` links into the JAX docs
    "execution",  # cache keyed on src/ and the environment; quiet, strict kernels
    "offline_math",  # math typeset at build time by KaTeX: no math script, no CDN
    "sphinx_copybutton",  # a copy button on every code cell (prompts and outputs left out)
    "accessibility",  # local fixes of what axe-core finds in the theme's and myst-nb's HTML
    "icon_font",  # the theme's icon fonts cut to the icons the pages show
    "build_report",  # the per-chapter build report page
    "notebook_download",  # each chapter also downloadable as the .ipynb it executed
    "quiet_log",  # no multi-kilobyte configuration dumps in the build log
]

# --- Sources -------------------------------------------------------------------------------
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]
nitpicky = True  # every cross-reference must resolve
# ...except matplotlib's Axes in jax101's plotting hints: no matplotlib inventory is stored.
nitpick_ignore = [("py:class", "Axes")]

# --- MyST and execution ----------------------------------------------------------------------
myst_enable_extensions = [
    "dollarmath",  # $x$ and $$...$$ (label) for numbered equations
    "amsmath",  # \begin{align} ... environments
    "colon_fence",  # ::: fences for admonitions and exercises
    "deflist",
]
myst_heading_anchors = 3  # [text](#a-section) links to headings
nb_execution_mode = "cache"  # re-execute a chapter only when its code changed
nb_execution_timeout = 180  # seconds per cell; a chapter may override it in its front matter
nb_execution_show_tb = True  # a failing cell's code and traceback go into the build log
nb_execution_raise_on_error = False  # report every failing chapter (with -W --keep-going)
nb_merge_streams = True  # one stdout block per cell, not one per print
nb_execution_cache_path = ""  # set by the execution extension (fingerprinted folder)
# `nox -s docs -- --only NAME` executes docs/NAME.md alone, for a quick preview of one chapter.
_ONLY = os.environ.get("JAX101_ONLY")
nb_execution_excludepatterns = (
    [p.name for p in (CONF.parent / "docs").glob("*.md") if p.stem != _ONLY] if _ONLY else []
)

# --- Cross-references to other projects, from inventories stored in this repository ----------
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", str(CONF / "inventories" / "python.inv")),
    "numpy": ("https://numpy.org/doc/stable", str(CONF / "inventories" / "numpy.inv")),
    "jax": ("https://docs.jax.dev/en/latest", str(CONF / "inventories" / "jax.inv")),
    "optax": ("https://optax.readthedocs.io/en/latest", str(CONF / "inventories" / "optax.inv")),
}

# --- API reference ---------------------------------------------------------------------------
autodoc_typehints = "description"  # types next to the argument they describe
autodoc_member_order = "bysource"
# Show type hints by their public names (not their expansions or private homes) so they link.
autodoc_type_aliases = {
    "ArrayLike": "jax.typing.ArrayLike",
    "jax.Array": "jax.Array",
    "optax.GradientTransformation": "optax.GradientTransformation",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# --- HTML ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "JAX 101"
html_static_path = ["_static"]
# Local overrides of the theme: no 1.5 MB fontawesome.js, light/dark resolved before paint.
templates_path = ["_templates"]
html_css_files = ["jax101.css"]
html_context = {"default_mode": "auto"}  # follow the reader's light/dark setting (empty: JS error)
html_last_updated_fmt = None  # each chapter states when its outputs were produced instead
# A page whose title names the query ranks first ("vmap" finds the vmap chapter first).
html_search_scorer = str(CONF / "_templates" / "search-scorer.js")
copybutton_exclude = ".linenos, .gp, .go"  # copy the code, never line numbers or outputs
# The book's repository, in one place: the header's repository link and each chapter's
# "Open in Colab" button (which opens the notebooks published on the Pages branch).
# A placeholder until the repository is public.
jax101_repository = "https://github.com/jax101-book/jax101"
jax101_notebook_branch = "gh-pages"
html_theme_options = {
    "repository_url": jax101_repository,
    "use_repository_button": True,
    "use_download_button": True,  # learners can take a chapter away as .ipynb or .md
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
