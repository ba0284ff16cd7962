"""The execution cache's key: what can change every chapter's outputs without changing its code.

The myst-nb cache lives in ``<jax101_cache_root>/<fingerprint>``: a hash of the installed
versions of every distribution a kernel can import and of the kernel configuration. A new
fingerprint starts a new cache (older ones are deleted) and re-reads every page. The cache's
database is created before reading starts, so parallel readers (``-j``) do not race to
create it. The ``jax101`` sources are keyed per chapter instead (see ``module_deps``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import nb_adapter

KERNEL_ROOTS = ("jax101", "ipykernel", "myst-nb")  # what a chapter's kernel imports


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


def fingerprint(kernel_config: Path) -> str:
    """Hash what can change every chapter's outputs without changing its code.

    The ``jax101`` sources are not part of it: each chapter's cache key holds a digest of
    just the ``jax101`` modules it used (see ``module_deps.module_digest``).

    Args:
        kernel_config: The IPython profile folder the kernels use.

    Returns:
        A 16-hex-digit digest of the distributions the kernel imports (name and version)
        and the kernel configuration.

    Examples:
        >>> len(fingerprint(Path("conf/ipython")))
        16
    """
    digest = hashlib.sha256()
    digest.update("\n".join(kernel_distributions()).encode())
    config_files = sorted(p for p in kernel_config.rglob("*.py") if p.is_file())
    for path in config_files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def open_cache(caches: Path, key: str) -> Path:
    """Create the cache for ``key`` in ``caches`` and delete the caches of other keys.

    Args:
        caches: The folder holding one cache per fingerprint.
        key: The current fingerprint.

    Returns:
        The current cache's folder.
    """
    current = caches / key
    if caches.is_dir():
        for stale in caches.iterdir():
            if stale != current and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
    nb_adapter.create_cache(current)
    return current
