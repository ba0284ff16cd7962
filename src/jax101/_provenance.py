"""Provenance: which Python, JAX, jaxlib, backend and devices produced a chapter's outputs.

The book's build appends one hidden cell to every chapter it executes; that cell calls
:func:`report_provenance`, so each chapter's footer and its row of the build report name
the devices of that chapter's own kernel (a chapter may configure, say, eight simulated
CPU devices before JAX starts). No chapter has to call anything for it.
"""

from __future__ import annotations

import collections
import importlib.metadata
import platform
import sys
from typing import NamedTuple

import jax

from ._checks import checks_passed

MIME_TYPE = "application/vnd.jax101.provenance+json"


class Provenance(NamedTuple):
    """A record of the software and hardware that produced a set of outputs."""

    python_version: str
    jax_version: str
    jaxlib_version: str
    backend: str
    devices: str
    checks: int
    exercises: int = 0

    def __str__(self) -> str:
        return f"{self.platform}; {self.checks} checks passed."

    @property
    def platform(self) -> str:
        """The software and hardware, e.g. ``JAX 0.10.2 (jaxlib 0.10.2), cpu backend (1 x cpu)``."""
        return (
            f"JAX {self.jax_version} (jaxlib {self.jaxlib_version}), "
            f"{self.backend} backend ({self.devices})"
        )


def _describe_devices() -> str:
    kinds = collections.Counter(device.device_kind for device in jax.devices())
    return ", ".join(f"{count} x {kind}" for kind, count in sorted(kinds.items()))


def provenance() -> Provenance:
    """Describe the Python, JAX installation and devices of this process.

    Returns:
        A :class:`Provenance` whose ``checks`` field counts the checks passed so far, and
        ``exercises`` the exercises graded correct (the chapter's reference solutions).

    Examples:
        >>> record = provenance()
        >>> record.jax_version == jax.__version__
        True
        >>> record.backend == jax.default_backend()
        True

    See also: :doc:`/appendix/build-report`, which lists this record for every chapter.
    """
    return Provenance(
        python_version=platform.python_version(),
        jax_version=jax.__version__,
        jaxlib_version=importlib.metadata.version("jaxlib"),
        backend=jax.default_backend(),
        devices=_describe_devices(),
        checks=checks_passed(),
        exercises=_exercises_answered(),
    )


def _exercises_answered() -> int:
    """How many exercises were graded correct here (none if ``jax101.exercises`` is unused)."""
    core = sys.modules.get("jax101.exercises._core")  # importing it would load every grader
    return len(core.answered_correctly()) if core is not None else 0


def report_provenance() -> None:
    """Display this kernel's :func:`provenance` as a JSON output for the book's build.

    The build runs this as the hidden last cell of every chapter and reads the output
    (of MIME type ``application/vnd.jax101.provenance+json``) back; it is never rendered.
    Under the build's kernel the record also lists the ``jax101`` modules whose public
    names the chapter used (``jax101_modules``; None elsewhere).

    Examples:
        >>> report_provenance()  # doctest: +ELLIPSIS
        {'application/vnd.jax101.provenance+json': {...}}
    """
    from IPython.display import display  # noqa: PLC0415 - only in a kernel

    record: dict[str, object] = dict(provenance()._asdict())
    package = sys.modules.get("jax101")
    used = getattr(type(package), "jax101_used", None)  # recorded by the build's kernel
    names = None if used is None else sorted(used)
    record["jax101_modules"] = (
        None if names is None else sorted({_defining_module(name) for name in names} - {""})
    )
    display({MIME_TYPE: record}, raw=True)


def _defining_module(name: str) -> str:
    value = getattr(sys.modules["jax101"], name, None)
    module = getattr(value, "__module__", None) or ""
    return module if module.startswith("jax101") else ""
