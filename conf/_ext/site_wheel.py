"""Sphinx extension: publish the wheel of ``jax101`` built from this tree, on the site itself.

A downloaded chapter installs the book's package from the site that served it, not from a
package registry (where the name ``jax101`` is not published, and anyone could register it).
When an HTML build starts, ``uv build --wheel`` builds the package from the same tree whose
code the build executes; the wheel is written to
``<html>/_downloads/<sha256 prefix>/jax101-<version>-py3-none-any.whl`` (the folder named by
its content, like Sphinx's own downloads, so a cached copy is never stale) and
:func:`requirement` names it by its address under the site URL (``html_baseurl``, set once in
``conf.py``), with its hash, which pip and uv verify. The wheel is rebuilt only when the
package's sources changed (uv's build is about 2 s), and kept in the user's cache folder
for every build of those sources; hatchling builds it reproducibly.

``uv`` is the installer the book is built with (``nox``'s backend), so it is on ``PATH``;
``uv build`` takes the build backend from ``pyproject.toml``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ConfigError, ExtensionError

PACKAGE = "jax101"
# What goes into the wheel: the package's sources and the files its metadata is read from.
WHEEL_INPUTS = ("src", "pyproject.toml", "README.md", "LICENSE")


@dataclass(frozen=True)
class Wheel:
    """The published wheel: its path below the site root and its sha256."""

    path: str
    sha256: str


_published: dict[str, Wheel] = {}  # by output folder, set when the build starts


def site_url(app: Sphinx) -> str:
    """Return the site's address, ``html_baseurl``, ending in ``/``; a ConfigError if unset."""
    url = app.config.html_baseurl
    if not url:
        msg = "html_baseurl is not set: conf.py must say where the book is published"
        raise ConfigError(msg)
    return url.rstrip("/") + "/"


def requirement(app: Sphinx) -> str:
    """Return the requirement that installs the published wheel: ``jax101@URL#sha256=...``.

    PEP 508's direct reference without spaces, so that it is one word on ``%pip``'s line.

    Raises:
        ExtensionError: No wheel was published by this build (not an HTML build).
    """
    wheel = _published.get(str(app.outdir))
    if wheel is None:
        msg = f"no {PACKAGE} wheel was published for {app.outdir}"
        raise ExtensionError(msg)
    return f"{PACKAGE}@{site_url(app)}{wheel.path}#sha256={wheel.sha256}"


ROOT = Path(__file__).resolve().parents[2]  # the repository: conf/_ext/ is two folders down


def sources_digest(root: Path) -> str:
    """Return a sha256 of every file the wheel is built from (names and contents).

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     project = Path(folder) / "pyproject.toml"
        ...     _ = project.write_text("version = 1")
        ...     before = sources_digest(Path(folder))
        ...     _ = project.write_text("version = 2")
        ...     before == sources_digest(Path(folder))
        False
    """
    digest = hashlib.sha256()
    for name in WHEEL_INPUTS:
        top = root / name
        files = sorted(top.rglob("*")) if top.is_dir() else [top]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_wheel(root: Path, into: Path) -> Path:
    """Build the wheel of the project at ``root`` into the folder ``into``; return its path."""
    uv = shutil.which("uv")
    if uv is None:
        msg = f"uv is not on PATH: it builds the {PACKAGE} wheel that the notebooks install"
        raise ExtensionError(msg)
    into.mkdir(parents=True, exist_ok=True)
    command = [uv, "build", "--wheel", "--quiet", "--out-dir", str(into), str(root)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(into.glob(f"{PACKAGE}-*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        msg = f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}"
        raise ExtensionError(msg)
    return wheels[0]


def cache_folder() -> Path:
    """Where built wheels are kept, by the digest of their sources (the user's cache)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / PACKAGE / "wheels"


def cached_wheel(root: Path, cache: Path, keep: int = 20) -> Path:
    """Return the wheel of ``root`` from ``cache``, built first if its sources are new.

    Concurrent builds may build the same sources at once; each moves its folder into place
    atomically, and the first one wins. Only the ``keep`` most recent wheels are kept.
    """
    built = cache / sources_digest(root)
    if not any(built.glob(f"{PACKAGE}-*.whl")):
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as folder:
            build_wheel(root, Path(folder) / "wheel")
            with contextlib.suppress(OSError):  # another build put the same wheel in place
                Path(folder, "wheel").rename(built)
        for stale in sorted(cache.iterdir(), key=lambda p: p.stat().st_mtime)[:-keep]:
            shutil.rmtree(stale, ignore_errors=True)
    return next(built.glob(f"{PACKAGE}-*.whl"))


def publish(wheel: Path, outdir: Path) -> Wheel:
    """Copy ``wheel`` into ``outdir/_downloads/<sha256 prefix>/``; return where and its hash.

    Earlier builds' wheels in ``outdir/_downloads`` are removed, so the site serves one.
    """
    sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
    downloads = outdir / "_downloads"
    for old in downloads.glob(f"*/{PACKAGE}-*.whl"):
        old.unlink()
        if not any(old.parent.iterdir()):
            old.parent.rmdir()
    target = downloads / sha256[:32] / wheel.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wheel, target)
    return Wheel(target.relative_to(outdir).as_posix(), sha256)


def _publish(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    site_url(app)  # fail early, before any chapter is executed
    wheel = cached_wheel(ROOT, cache_folder())
    _published[str(app.outdir)] = publish(wheel, Path(app.outdir))


def setup(app: Sphinx) -> dict[str, Any]:
    """Build and publish the wheel when an HTML build starts."""
    app.connect("builder-inited", _publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
