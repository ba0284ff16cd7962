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
