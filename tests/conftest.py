"""Shared fixtures: strict JAX settings, a PRNG key, and the book built once per session."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import jax
import pytest
from booktools import ROOT, sphinx_build


class BuiltBook(NamedTuple):
    """The HTML folder of a build, its exit code and its log."""

    html: Path
    returncode: int
    log: str


@pytest.fixture(autouse=True)
def _strict_jax():
    """Make implicit rank promotion an error inside tests, as the chapters avoid it."""
    with jax.numpy_rank_promotion("raise"):
        yield


@pytest.fixture
def key() -> jax.Array:
    """A fresh PRNG key for tests that draw random numbers."""
    return jax.random.key(0)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """The real book, built from scratch once per test session (the integration test)."""
    build = tmp_path_factory.mktemp("book")
    result = sphinx_build(ROOT / "docs", build)
    return BuiltBook(build / "html", result.returncode, result.stdout + result.stderr)


def xdist_group(fixturenames: list[str], path: Path) -> str:
    """Name the group of tests one pytest-xdist worker runs together (``--dist loadgroup``).

    Every test of the built book shares one worker, so the book is built once per run;
    any other test stays with its module, which shares its module-scoped fixtures.

    Examples:
        >>> xdist_group(["tmp_path", "built_book"], Path("tests/test_pdf.py"))
        'built-book'
        >>> xdist_group(["tmp_path"], Path("tests/test_pdf.py"))
        'test_pdf.py'
    """
    return "built-book" if "built_book" in fixturenames else path.name


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests for ``--dist loadgroup`` when pytest-xdist runs them."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        names = getattr(item, "fixturenames", [])
        item.add_marker(pytest.mark.xdist_group(xdist_group(names, item.path)))
