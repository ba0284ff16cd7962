"""The one Sphinx command line of the book, shared by ``noxfile.py`` and the tests.

Strict (``-W``: a warning fails the build; Sphinx 9 keeps going to report them all) and
nitpicky (set in ``conf.py``). A preview of one chapter (``only``) executes that chapter
alone, reports only its warnings, and writes to ``<build>/preview`` so that the full
build's pages in ``<build>/html`` stay as they were; it shares the full build's cache.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"


def output_folder(build: Path, only: str = "") -> Path:
    """Return the HTML folder a build (or a preview of ``only``) writes."""
    return build / "preview" / "html" if only else build / "html"


def sphinx_args(srcdir: Path, build: Path, *, only: str = "", jobs: str = "auto") -> list[str]:
    """Return the arguments of ``sphinx-build`` for the book in ``srcdir``, built in ``build``.

    Args:
        srcdir: The folder of the sources (``docs`` or a fixture book).
        build: The build folder: ``html``, ``doctrees`` and the execution cache go in it.
        only: A chapter's name (its path below ``srcdir`` without ``.md``) to preview alone.
        jobs: Sphinx's ``-j``: how many processes read (and execute) chapters at once.

    Examples:
        >>> sphinx_args(Path("docs"), Path("build"), only="jit")[-2:]
        ['docs', 'build/preview/html']
    """
    doctrees = (build / "preview" if only else build) / "doctrees"
    args = ["-b", "html", "-c", str(CONF), "-d", str(doctrees), "-W", "-j", jobs]
    if only:
        args += ["-D", f"jax101_only={only}", "-D", f"jax101_cache_root={build / '.jupyter_cache'}"]
    return [*args, str(srcdir), str(output_folder(build, only))]
