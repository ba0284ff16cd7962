"""Timing done right: warm-up, ``block_until_ready``, the median of repeats, compile time apart.

JAX dispatches work asynchronously, so a timer stopped when a call *returns* measures only
the dispatch. These helpers wait for every output array before stopping the clock.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax


class Timing(NamedTuple):
    """Wall-clock seconds of repeated calls: the median, the fastest and every run."""

    median: float
    best: float
    runs: tuple[float, ...]

    def __str__(self) -> str:
        return f"{_human(self.median)} median of {len(self.runs)} (best {_human(self.best)})"


def _human(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def time_call(
    fn: Callable[..., Any], *args: Any, repeats: int = 7, warmup: int = 1, **kwargs: Any
) -> Timing:
    """Time ``fn(*args, **kwargs)``, waiting for its outputs, after ``warmup`` untimed calls.

    Args:
        fn: The function to time (jitted or not).
        *args: Positional arguments for ``fn``.
        repeats: Number of timed calls; the median is reported.
        warmup: Untimed calls first, so compilation and caches are not measured.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        A :class:`Timing` of the timed calls.

    Raises:
        ValueError: If ``repeats < 1`` or ``warmup < 0``.

    Examples:
        >>> import jax.numpy as jnp
        >>> timing = time_call(jax.jit(jnp.cumsum), jnp.ones(1000), repeats=3)
        >>> len(timing.runs), timing.best <= timing.median
        (3, True)

    See also: :doc:`/jit`.
    """
    if repeats < 1 or warmup < 0:
        msg = f"repeats must be >= 1 and warmup >= 0; got repeats={repeats}, warmup={warmup}"
        raise ValueError(msg)
    for _ in range(warmup):
        jax.block_until_ready(fn(*args, **kwargs))
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args, **kwargs))
        runs.append(time.perf_counter() - start)
    return Timing(statistics.median(runs), min(runs), tuple(runs))


def time_compile(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """Return the seconds taken to trace, lower and compile ``jax.jit(fn)`` for these arguments.

    Each call compiles afresh (``fn`` is wrapped in a new function, so JAX's compilation
    cache cannot answer), so this is the cost a first call pays before it runs.

    Args:
        fn: A Python function (or an already jitted one).
        *args: Example positional arguments (their shapes and dtypes matter).
        **kwargs: Example keyword arguments.

    Returns:
        Seconds for ``jax.jit(fn).lower(*args, **kwargs).compile()``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax101 import count_compilations
        >>> x = jnp.ones(3)
        >>> with count_compilations() as seen:
        ...     first, second = time_compile(jnp.sin, x), time_compile(jnp.sin, x)
        >>> seen.count, first > 0, second > 0
        (2, True, True)
    """

    def fresh(*a: Any, **k: Any) -> Any:
        return fn(*a, **k)

    start = time.perf_counter()
    jax.jit(fresh).lower(*args, **kwargs).compile()
    return time.perf_counter() - start
