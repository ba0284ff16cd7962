"""Sphinx extension: offer every executed chapter as a Jupyter notebook (``.ipynb``).

myst-nb writes the notebook it executed for each chapter into its output folder. This
extension publishes a copy of it next to the chapter's MyST source in ``_sources/`` and tells
sphinx-book-theme about it, whose download menu then lists ".ipynb" beside ".md". The copy
keeps the outputs the reader saw on the page and drops myst-nb's internal ``source_map``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

INTERNAL_METADATA = ("source_map",)  # myst-nb bookkeeping, meaningless outside the build


def clean_notebook(text: str) -> str:
    """Return the notebook JSON ``text`` without myst-nb's internal metadata.

    Examples:
        >>> notebook = {"metadata": {"kernelspec": {"name": "python3"}, "source_map": [1, 5]}}
        >>> json.loads(clean_notebook(json.dumps(notebook)))["metadata"]
        {'kernelspec': {'name': 'python3'}}
    """
    notebook = json.loads(text)
    for key in INTERNAL_METADATA:
        notebook.get("metadata", {}).pop(key, None)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _publish(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    executed = Path(app.env.mystnb_config.output_folder, f"{pagename}.ipynb")
    if doctree is None or not executed.is_file():
        return
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(clean_notebook(executed.read_text(encoding="utf-8")), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict[str, Any]:
    """Publish the notebooks before the theme builds its download menu (priority 501)."""
    app.connect("html-page-context", _publish, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
