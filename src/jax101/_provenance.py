"""Provenance: which JAX, jaxlib, backend and devices produced a chapter's outputs, and when."""

from __future__ import annotations

import collections
import datetime
import html
import importlib.metadata
from typing import NamedTuple

import jax

from ._checks import checks_run

__all__ = ["Provenance", "chapter_footer", "provenance"]


class Provenance(NamedTuple):
    """A record of the software and hardware that produced a set of outputs."""

    jax_version: str
    jaxlib_version: str
    backend: str
    devices: str
    executed_at: str
    checks: int

    def __str__(self) -> str:
        when = f"Outputs computed {self.executed_at}"
        return f"{when} with {self.platform}; {self.checks} checks passed."

    @property
    def platform(self) -> str:
        """The software and hardware, e.g. ``JAX 0.10.2 (jaxlib 0.10.2), cpu backend (1 x cpu)``."""
        return (
            f"JAX {self.jax_version} (jaxlib {self.jaxlib_version}), "
            f"{self.backend} backend ({self.devices})"
        )

    def _repr_html_(self) -> str:
        return (
            '<div class="jax101-provenance" role="note">'
            f"<p><strong>How this page was made.</strong> {html.escape(str(self))}</p></div>"
        )


def _describe_devices() -> str:
    kinds = collections.Counter(device.device_kind for device in jax.devices())
    return ", ".join(f"{count} x {kind}" for kind, count in sorted(kinds.items()))


def provenance() -> Provenance:
    """Describe the JAX installation and devices of this process, and the time now (UTC).

    Returns:
        A :class:`Provenance` whose ``checks`` field counts the checks passed so far.

    Examples:
        >>> record = provenance()
        >>> record.jax_version == jax.__version__
        True
        >>> record.backend == jax.default_backend()
        True
    """
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Provenance(
        jax_version=jax.__version__,
        jaxlib_version=importlib.metadata.version("jaxlib"),
        backend=jax.default_backend(),
        devices=_describe_devices(),
        executed_at=now,
        checks=checks_run(),
    )


def chapter_footer() -> Provenance:
    """End a chapter: record its provenance and check count for the book's build report.

    Every chapter's last cell calls this (tagged ``remove-input``). The returned record
    displays as the "How this page was made" note; the check count, the time and the
    platform are also glued (``jax101_checks``, ``jax101_executed_at``, ``jax101_platform``)
    for the build report, when the chapter runs under myst-nb.

    Returns:
        The chapter's :class:`Provenance`.

    Examples:
        >>> chapter_footer().checks >= 0
        True
    """
    record = provenance()
    try:
        from myst_nb import glue  # noqa: PLC0415 - only present when building the book
    except ImportError:  # pragma: no cover - a learner's notebook without myst-nb
        return record
    glue("jax101_checks", record.checks, display=False)
    glue("jax101_executed_at", record.executed_at, display=False)
    glue("jax101_platform", record.platform, display=False)
    return record
