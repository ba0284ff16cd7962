"""Lint the chapters: ruff on their code cells, and the chapter rules, each with file:line.

ruff checks each executed chapter's code (``tools/chapter_code.py``, IPython lines read as
Python): syntax errors, names used before any cell defines them, redefinitions, and lines
longer than 88 characters (the house style: 88 characters fit the content column of a page
1280 pixels wide, which the browser tests check). The chapter rules of
``tests/chapter_scan.py`` (the same code ``tests/test_chapter_rules.py`` runs) check every
page: checks that cannot fail, numbers typed into prose, a draw from a global random state
or an unseeded generator, a timing cell without the ``machine-dependent`` tag. Each finding
is one line, ``docs/NAME.md:LINE: message (what to do)``.

Usage (``nox -s lint`` and pre-commit run it):
``python tools/lint_chapters.py RUFF docs/*.md``, or ``--no-ruff`` for the rules alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chapter_code import chapter_code

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from chapter_scan import chapter_findings  # the rules live with their tests

LINE_LENGTH = 88
RULES = "E501,E9,F63,F7,F811,F821"


def ruff_command(ruff: str, chapter: Path) -> list[str]:
    """The ruff command that reads one chapter's code on stdin."""
    command = [ruff, "check", "--isolated", "--extension", "md:python", "--quiet"]
    command += ["--line-length", str(LINE_LENGTH), "--select", RULES]
    return [*command, "--output-format", "concise", "--stdin-filename", str(chapter), "-"]


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
    """Lint every page (ruff only on chapters; ``ruff=""``: none); 1 if anything is found."""
    texts = {Path(p): Path(p).read_text(encoding="utf8") for p in pages}
    runs = {}
    for path, text in texts.items():
        if ruff and is_notebook(text):  # one ruff per chapter, all at once: about 20 ms each
            runs[path] = subprocess.Popen(
                ruff_command(ruff, path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            assert runs[path].stdin is not None
            runs[path].stdin.write(chapter_code(text))
            runs[path].stdin.close()
    count, failed = 0, []
    for path, text in texts.items():
        found = []
        if path in runs:
            out = runs[path].stdout
            assert out is not None
            found += [(_line_of(line), line.rstrip()) for line in out if line.strip()]
            if runs[path].wait() not in (0, 1):
                found.append((0, f"{path}: ruff failed (status {runs[path].returncode})"))
        for findings in chapter_findings(path.name, text).values():
            for f in findings:
                if path in runs and f.message.startswith("syntax:"):
                    continue  # ruff reports it already
                found.append((f.line, f"{path}:{f.line}: {f.message} ({f.fix})"))
        for _, line in sorted(found, key=lambda item: item[0]):
            print(line)
        count += len(found)
        failed += [str(path)] if found else []
    if failed:
        print(f"{count} findings in: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _line_of(ruff_line: str) -> int:
    """The line number of a ruff finding, ``docs/NAME.md:LINE:COL: ...``."""
    parts = ruff_line.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main("" if sys.argv[1] == "--no-ruff" else sys.argv[1], sys.argv[2:]))
