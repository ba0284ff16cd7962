"""Print the whole book to one PDF from the outputs of the HTML build: ``nox -s pdf``.

The route: Sphinx's ``singlehtml`` builder assembles every page, in reading order and after
a table of contents, into one HTML document; headless Chromium prints it. The math is
already HTML (KaTeX runs at build time), so it prints exactly as it looks on screen, and
the code outputs are the executed outputs of the HTML build: the builder starts from a copy
of that build's doctrees, whose chapters are already executed, and the run fails if it
executes any chapter again.

Usage: ``python tools/make_pdf.py BUILD`` writes ``BUILD/pdf/jax101.pdf`` (``BUILD`` is the
folder of ``nox -s docs``, built first).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from sitetools import chromium  # noqa: E402 - the one headless Chromium of the project

PDF_NAME = "jax101.pdf"
EXECUTING = "Executing notebook"  # myst-nb's log line when it runs a chapter
PAGE_MARGIN = {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
    'JAX 101 · <span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


class PdfError(RuntimeError):
    """The PDF cannot be made; the message says why and what to do."""


def singlehtml_args(build: Path) -> list[str]:
    """Return the ``sphinx-build`` arguments that assemble the book as one HTML page.

    Examples:
        >>> singlehtml_args(Path("build"))[:2]
        ['-b', 'singlehtml']
    """
    pdf = build / "pdf"
    return [
        *("-b", "singlehtml", "-c", str(ROOT / "conf"), "-d", str(pdf / "doctrees"), "-W"),
        *("-D", f"jax101_cache_root={build / '.jupyter_cache'}"),
        *(str(ROOT / "docs"), str(pdf / "singlehtml")),
    ]


def assemble(build: Path, sphinx_build: str = "sphinx-build") -> Path:
    """Write ``BUILD/pdf/singlehtml/index.html`` from the HTML build's executed doctrees.

    Raises:
        PdfError: If the HTML build is missing, if the builder fails, or if it had to
            execute a chapter (the doctrees were stale: build the HTML first).
    """
    doctrees = build / "doctrees"
    if not (doctrees / "environment.pickle").is_file():
        raise PdfError(f"no HTML build in {build}: run `nox -s docs` first")
    pdf = build / "pdf"
    shutil.rmtree(pdf, ignore_errors=True)
    shutil.copytree(doctrees, pdf / "doctrees")
    run = subprocess.run(
        [sphinx_build, *singlehtml_args(build)], capture_output=True, text=True, check=False
    )
    log = run.stdout + run.stderr
    if EXECUTING in log:
        raise PdfError(
            "the single-page build executed a chapter again, so the HTML build is not "
            "current: run `nox -s docs` first (the PDF prints that build's outputs)"
        )
    if run.returncode:
        raise PdfError(f"the single-page build failed:\n{log[-4000:]}")
    return pdf / "singlehtml" / "index.html"


def print_pdf(page: Path, out: Path) -> None:
    """Print ``page`` to ``out`` with headless Chromium (A4, page numbers, outline)."""
    partial = out.with_suffix(".part")
    try:
        with chromium() as browser:
            tab = browser.new_page()
            tab.goto(page.resolve().as_uri(), wait_until="load")
            tab.evaluate("document.fonts.ready")
            tab.pdf(
                path=str(partial),
                format="A4",
                margin=PAGE_MARGIN,
                print_background=True,
                outline=True,
                tagged=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
            )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Make ``BUILD/pdf/jax101.pdf``; print where it is, its size and the time taken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path, help="the build folder of `nox -s docs`")
    parser.add_argument("--sphinx-build", default="sphinx-build", help="the builder to run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        page = assemble(args.build, args.sphinx_build)
        out = args.build / "pdf" / PDF_NAME
        print_pdf(page, out)
    except PdfError as error:
        print(f"make_pdf: {error}", file=sys.stderr)
        return 1
    size = out.stat().st_size / 1e6
    print(f"wrote {out} ({size:.1f} MB) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
