"""Sphinx extension: how the book's chapters are executed.

* The myst-nb cache lives in a folder named after a fingerprint of everything that can
  change an output besides the chapter's own code: the ``jax101`` sources, the installed
  versions of every distribution a chapter can import (``jax101``'s dependencies, the kernel
  and myst-nb, transitively) and the kernel configuration. Tools that only build or serve
  the site (sphinx-autobuild, say) are not part of it, so ``nox -s docs`` and ``nox -s serve``
  share one cache. A change to any of them starts a new cache
  (older ones are deleted) and marks every page outdated, so no output is ever stale.
* The cache database is created before reading starts, so parallel builds (``-j``) do not
  race to create it.
* Kernels start with ``IPYTHONDIR`` pointing at a copy of ``conf/ipython`` in the build
  folder: quiet logging, no history, and DeprecationWarning/FutureWarning as errors.
* myst-nb writes error reports into ``<html>/reports``; they are moved next to the HTML
  folder so that they are never published.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
from pathlib import Path

from jupyter_cache import get_cache
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "jax101"
KERNEL_ROOTS = (PACKAGE, "ipykernel", "myst-nb")  # what a chapter's kernel imports


def _package_files(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        msg = f"the {package!r} package is not installed in the environment running Sphinx"
        raise RuntimeError(msg)
    root = Path(spec.origin).parent
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def kernel_distributions(roots: tuple[str, ...] = KERNEL_ROOTS) -> list[str]:
    """List ``name==version`` of the installed distributions that ``roots`` need, transitively.

    Args:
        roots: Distribution names to start from.

    Returns:
        Sorted ``name==version`` strings; requirements behind extras or unmet environment
        markers, and ones that are not installed, are left out.

    Examples:
        >>> any(entry.startswith("jax==") for entry in kernel_distributions(("jax101",)))
        True
    """
    seen: dict[str, str] = {}
    pending = [canonicalize_name(root) for root in roots]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        seen[name] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return sorted(f"{name}=={version}" for name, version in seen.items())


def fingerprint(kernel_config: Path, package: str = PACKAGE) -> str:
    """Hash what can change a chapter's outputs without changing its code.

    Args:
        kernel_config: The IPython profile folder the kernels use.
        package: The package whose sources the chapters import.

    Returns:
        A 16-hex-digit digest of the package sources, the distributions the kernel
        imports (name and version) and the kernel configuration.

    Examples:
        >>> len(fingerprint(Path("conf/ipython")))
        16
    """
    digest = hashlib.sha256()
    digest.update("\n".join(kernel_distributions()).encode())
    config_files = sorted(p for p in kernel_config.rglob("*.py") if p.is_file())
    for path in [*_package_files(package), *config_files]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _configure(app: Sphinx, config: Config) -> None:
    build_root = Path(app.outdir).parent
    kernel_config = Path(app.confdir) / "ipython"
    config.jax101_fingerprint = fingerprint(kernel_config)
    caches = build_root / ".jupyter_cache"
    current = caches / config.jax101_fingerprint
    if caches.is_dir():
        for stale in caches.iterdir():
            if stale != current:
                shutil.rmtree(stale, ignore_errors=True)
    current.mkdir(parents=True, exist_ok=True)
    get_cache(current).db  # noqa: B018 - creates the database before any parallel reader
    config.nb_execution_cache_path = str(current)

    ipython_dir = build_root / "ipython"
    shutil.rmtree(ipython_dir, ignore_errors=True)
    shutil.copytree(kernel_config, ipython_dir)
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def _move_reports(app: Sphinx, _exception: Exception | None) -> None:
    reports = Path(app.outdir) / "reports"
    if reports.is_dir():
        target = Path(app.outdir).parent / "reports"
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(reports, target)
        logger.info("moved execution error reports out of the HTML, to %s", target)


def setup(app: Sphinx) -> dict[str, object]:
    """Register the execution settings with Sphinx."""
    # A new fingerprint invalidates the whole environment: every page is read again.
    app.add_config_value("jax101_fingerprint", "", "env", types=frozenset({str}))
    app.connect("config-inited", _configure, priority=100)
    app.connect("build-finished", _move_reports)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
