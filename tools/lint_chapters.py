"""Lint the code cells of every chapter with ruff, reporting the chapter's own line numbers.

Checked: syntax errors, names used before any cell defines them, redefinitions, and lines
longer than 88 characters (the house style: 88 characters fit the content column of a page
1280 pixels wide, which the browser tests check).

Usage (``nox -s lint`` runs it): ``python tools/lint_chapters.py RUFF docs/*.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chapter_code import chapter_code

LINE_LENGTH = 88
RULES = "E501,E9,F63,F7,F811,F821"


def lint(ruff: str, chapter: Path) -> int:
    """Run ruff over one chapter's code; return its exit status (0: clean)."""
    command = [ruff, "check", "--isolated", "--extension", "md:python", "--quiet"]
    command += ["--line-length", str(LINE_LENGTH), "--select", RULES]
    command += ["--output-format", "concise", "--stdin-filename", str(chapter), "-"]
    code = chapter_code(chapter.read_text(encoding="utf8"))
    return subprocess.run(command, input=code, text=True, check=False).returncode


def is_notebook(text: str) -> bool:
    r"""Tell whether a MyST page is an executed chapter (its front matter has ``jupytext:``).

    Examples:
        >>> is_notebook("---\njupytext:\n  x: 1\n---\n# T\n"), is_notebook("# Plain page\n")
        (True, False)
    """
    if not text.startswith("---"):
        return False
    front_matter = text.split("\n---", 1)[0]
    return "\njupytext:" in front_matter


def main(ruff: str, pages: list[str]) -> int:
    """Lint every chapter among ``pages`` (plain pages are skipped); 1 if any has a finding."""
    chapters = [Path(p) for p in pages if is_notebook(Path(p).read_text(encoding="utf8"))]
    failed = [str(path) for path in chapters if lint(ruff, path) != 0]
    if failed:
        print(f"chapter code needs fixing in: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
