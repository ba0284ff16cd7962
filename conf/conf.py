"""Sphinx configuration of JAX 101. Every non-default setting says why it is set."""

from __future__ import annotations

import sys
from pathlib import Path

CONF = Path(__file__).parent
sys.path.insert(0, str(CONF / "_ext"))  # the book's own small extensions
sys.path.insert(0, str(CONF.parent / "tools"))  # chapter_cells: the one reader of chapter cells

project = "JAX 101"
author = "The JAX 101 authors"
copyright = "2026, The JAX 101 authors"

extensions = [
    "myst_nb",  # chapters are MyST notebooks, executed at build time
    "sphinx.ext.autodoc",  # the API reference of jax101 comes from its docstrings
    "sphinx.ext.napoleon",  # ...which are written in Google style
    "sphinx.ext.intersphinx",  # {func}`jax.grad` links into the JAX docs
    "execution",  # fingerprinted cache, the jax101 kernel, provenance footers, previews
    "offline_math",  # math typeset at build time by KaTeX: no math script, no CDN
    "math_errors",  # a formula KaTeX rejects: one warning naming its file and line
    "sphinx_copybutton",  # a copy button on every code cell (prompts and outputs left out)
    "accessibility",  # local fixes of what axe-core finds in the theme's and myst-nb's HTML
    "icon_font",  # the theme's icon fonts cut to the icons the pages show
    "build_report",  # the per-chapter build report page
    "compat_records",  # the Compatibility page renders the records in docs/_data/compat
    "notebook_download",  # each chapter also downloadable as the .ipynb it executed
    "quiet_log",  # no multi-kilobyte configuration dumps in the build log
    "incremental",  # navigation changes rewrite every page; real config changes only
]

# --- Sources -------------------------------------------------------------------------------
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
    "substitution",  # {{ pdf_link }} on the index
]
myst_heading_anchors = 3  # [text](#a-section) links to headings
nb_execution_mode = "cache"  # re-execute a chapter only when its code changed
nb_execution_timeout = 180  # seconds per cell; a chapter may override it in its front matter
nb_merge_streams = True  # one stdout block per cell, not one per print
# Each chapter's time budget for its cells, in seconds: the default and the exceptions. The
# build report marks a chapter over it and the build prints one line; machines differ, so it
# never fails the build.
jax101_time_budget = 12
jax101_time_budgets = {"performance": 30, "parallelism": 40}
# The cache folder, the kernel, provenance footers, failure messages and `--only` previews
# are set up by _ext/execution.py.


# --- Cross-references to other projects, from inventories stored in this repository ----------
def _stored_inventories() -> dict[str, tuple[str, str]]:
    """Map each inventory in conf/inventories to the documentation it indexes (SOURCES.md)."""
    folder = CONF / "inventories"
    rows = [line.split("|")[1:-1] for line in (folder / "SOURCES.md").read_text().splitlines()]
    return {
        cells[0].strip().removesuffix(".inv"): (cells[-1].strip(), str(folder / cells[0].strip()))
        for cells in rows
        if cells and cells[0].strip().endswith(".inv")
    }


intersphinx_mapping = _stored_inventories()
intersphinx_disabled_reftypes = ["std:doc"]  # {doc} always means a page of this book

# --- API reference ---------------------------------------------------------------------------
autodoc_typehints = "description"  # types next to the argument they describe
autodoc_member_order = "bysource"
# Show type hints by their public names (not their expansions or private homes) so they link.
autodoc_type_aliases = {
    "ArrayLike": "jax.typing.ArrayLike",
    "jax.Array": "jax.Array",
    "jax.sharding.Mesh": "jax.sharding.Mesh",
    "optax.GradientTransformation": "optax.GradientTransformation",
}
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
# Where the book is published, set once (the GitHub Pages site of its repository; a
# placeholder until the repository is public). Every notebook's install cell fetches the
# jax101 wheel the site publishes from here, the "Open in Colab" button opens the notebook
# this site serves (from the repository's Pages branch), and the Pages workflow publishes
# only a build whose site URL is the repository's own. Tests point it at a local server.
html_baseurl = "https://jax101-book.github.io/jax101/"
jax101_repository = "https://github.com/jax101-book/jax101"  # the header's repository link
jax101_notebook_branch = "gh-pages"
# The PDF edition (nox -s pdf): the Pages workflow publishes it at the site's root.
myst_substitutions = {"pdf_link": f"[the whole book as one PDF]({html_baseurl}jax101.pdf)"}
html_theme_options = {
    "repository_url": jax101_repository,
    "use_repository_button": True,
    "use_download_button": True,  # learners can take a chapter away as .ipynb or .md
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
