"""Which ``jax101`` modules a chapter's outputs depend on, and a digest of their code.

The kernel records which public ``jax101`` names a chapter used; the hidden last cell's
first line holds a digest of the syntax trees of the modules defining them and of what
those import. That line is part of the chapter's cache key, so editing a module re-executes
exactly the chapters that reached it, and a comment-only edit re-executes nothing.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from pathlib import Path

PACKAGE = "jax101"


def _package_root(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        msg = f"the {package!r} package is not installed in the environment running Sphinx"
        raise RuntimeError(msg)
    return Path(spec.origin).parent


def _package_files(package: str) -> list[Path]:
    root = _package_root(package)
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def package_modules(package: str = PACKAGE) -> dict[str, Path]:
    """Map each module of ``package`` (``jax101``, ``jax101._checks``, ...) to its file.

    Subpackages keep their dotted names (``jax101.exercises``, ``jax101.exercises._core``):
    their ``__init__`` is not the package's own.

    Examples:
        >>> modules = package_modules()
        >>> modules["jax101"].parent.name, modules["jax101.exercises"].parent.name
        ('jax101', 'exercises')
    """
    root = _package_root(package)
    modules = {}
    for path in _package_files(package):
        if path.suffix == ".py":
            parts = path.relative_to(root).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            modules[".".join((package, *parts))] = path
    return modules


def module_imports(modules: dict[str, Path], package: str = PACKAGE) -> dict[str, set[str]]:
    """Return, for each module, the modules of the package it imports (``from ._x import``).

    Examples:
        >>> graph = module_imports(package_modules())
        >>> "jax101._checks" in graph["jax101._provenance"]
        True
    """
    return {
        name: set(_imports_in(path.read_text(encoding="utf8"), _parent(name, path), package))
        & set(modules)
        for name, path in modules.items()
    }


def _parent(name: str, path: Path) -> str:
    """The package a module's relative imports start from."""
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


@functools.lru_cache(maxsize=256)
def _imports_in(source: str, parent: str, package: str) -> frozenset[str]:
    """The modules of ``package`` that a module of ``parent`` imports: parsed once per text."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            target = f"{parent}.{node.module}" if node.module else parent
            found.update({target} if node.module else {f"{parent}.{a.name}" for a in node.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package):
            found.add(node.module or package)
    return frozenset(found)


def dependencies(used: list[str] | None, package: str = PACKAGE) -> list[str]:
    """Return the modules a chapter's outputs depend on: those it used and all they import.

    ``None`` (not recorded) means every module. The package's ``__init__`` (but not the
    modules it re-exports) and ``_provenance``, which the hidden last cell runs, always are.

    Examples:
        >>> "jax101._checks" in dependencies([])  # through _provenance
        True
        >>> "jax101._train" in dependencies(["jax101._timing"])
        False
    """
    modules = package_modules(package)
    if used is None:
        return sorted(modules)
    graph = module_imports(modules, package)
    # __init__ re-exports every module; its own code counts, what it imports does not. The
    # hidden provenance cell runs jax101._provenance in every chapter.
    pending, seen = [*used, f"{package}._provenance"], {package}
    while pending:
        name = pending.pop()
        if name in modules and name not in seen:
            seen.add(name)
            pending.extend(graph[name])
    return sorted(seen)


def module_digest(names: list[str], package: str = PACKAGE) -> str:
    """Hash the code of the given modules, ignoring comments and layout (their syntax trees).

    Examples:
        >>> module_digest(["jax101._checks"]) == module_digest(["jax101._checks"])
        True
        >>> module_digest(["jax101._checks"]) != module_digest(["jax101._data"])
        True
    """
    modules = package_modules(package)
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update(_syntax_digest(modules[name].read_bytes()))
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def _syntax_digest(source: bytes) -> bytes:
    """Hash a module's syntax tree; each module is parsed once however many chapters use it."""
    return hashlib.sha256(ast.dump(ast.parse(source)).encode()).digest()
