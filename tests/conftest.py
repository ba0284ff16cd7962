"""Shared fixtures: strict JAX settings, a PRNG key, and the book built once per test run."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
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


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``lock`` (created if missing) for the block.

    The operating system releases the lock when its holder ends, even by a crash, so a
    waiting process goes on.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder, exclusive(Path(folder) / "a.lock"):
        ...     (Path(folder) / "a.lock").exists()
        True
    """
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """The real book, built from scratch once per test run (the integration test).

    pytest-xdist's workers (``nox -s tests`` runs two) share one build, in the folder above
    their own temporary folders: the first to need the book builds it while the other waits,
    then both read the same pages. Tests only read it, except that test_pdf writes its ``pdf``
    folder there (test_site_notebooks' copy of the build leaves that folder out).
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    build, record = shared / "book", shared / "book.json"
    with exclusive(shared / "book.lock"):
        if not record.is_file():
            result = sphinx_build(ROOT / "docs", build)
            outcome = {"returncode": result.returncode, "log": result.stdout + result.stderr}
            record.write_text(json.dumps(outcome))
        outcome = json.loads(record.read_text())
    return BuiltBook(build / "html", outcome["returncode"], outcome["log"])
