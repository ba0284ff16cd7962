"""A memory roofline: how close a step comes to the speed of reading its inputs once.

A step that reads ``B`` bytes can run no faster than ``B / bandwidth``. The bandwidth is not
taken from a data sheet but measured in the same run, by a plain reduction over the same
arrays, timed alternately with the step so that both see the same machine load. It is the
rate one compiled reduction reaches on this backend, not the machine's peak: a ratio well
below 1 says that something other than reading sets the step's pace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from ._alternate import time_alternately
from ._timing import Timing


class Roofline(NamedTuple):
    """A step's timing next to a plain reduction over the same bytes, measured alternately.

    Attributes:
        bytes_read: The bytes the step must read: every byte of its array arguments, once.
        step: The step's :class:`Timing`.
        reference: The :class:`Timing` of ``sum`` over the same arrays.

    See also: the chapter "Performance: measuring JAX honestly".
    """

    bytes_read: int
    step: Timing
    reference: Timing

    @property
    def bandwidth(self) -> float:
        """The read bandwidth the reduction achieved, in bytes per second."""
        return self.bytes_read / self.reference.median

    @property
    def achieved(self) -> float:
        """The bandwidth the step achieved, ``bytes_read / step time``, in bytes per second."""
        return self.bytes_read / self.step.median

    @property
    def ratio(self) -> float:
        """``achieved / bandwidth``: 1 means the step runs as fast as reading its inputs."""
        return self.reference.median / self.step.median


def roofline(step: Callable[..., Any], *args: Any, repeats: int = 5) -> Roofline:
    """Time ``step(*args)`` and a reduction over the same arrays, alternately.

    Both are warmed up first (so compilation is not timed), then called in turn
    ``repeats`` times each, so that a burst of load on the machine hits both alike.

    Args:
        step: A jitted function of ``args``.
        *args: Its arguments; every array leaf counts towards the bytes it must read.
        repeats: Timed calls of each (the medians are compared).

    Returns:
        A :class:`Roofline`.

    Raises:
        ValueError: If ``repeats < 1`` or ``args`` hold no arrays.

    Examples:
        >>> x = jnp.ones((256, 256))
        >>> result = roofline(jax.jit(lambda v: (2 * v).max()), x, repeats=3)
        >>> result.bytes_read, len(result.step.runs), result.ratio > 0
        (262144, 3, True)

    See also: the chapter "Performance: measuring JAX honestly".
    """
    leaves = [leaf for leaf in jax.tree.leaves(args) if hasattr(leaf, "nbytes")]
    if repeats < 1 or not leaves:
        msg = f"need repeats >= 1 and at least one array argument; got repeats={repeats}"
        raise ValueError(msg)

    @jax.jit
    def reference(arrays: list[jax.Array]) -> jax.Array:
        # A float32 start keeps the type an Array (plain sum() starts from the int 0).
        start = jnp.zeros((), jnp.float32)
        return sum((jnp.sum(a, dtype=jnp.float32) for a in arrays), start=start)

    timings = time_alternately(
        {"step": (step, args), "reference": (reference, (leaves,))}, repeats=repeats
    )
    return Roofline(sum(int(a.nbytes) for a in leaves), timings["step"], timings["reference"])
