"""Time several calls in turn, so that a burst of load on the machine hits them all alike."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

import jax

from ._timing import Timing, time_call


def time_alternately(
    calls: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]], *, repeats: int = 5
) -> dict[str, Timing]:
    """Time each ``fn(*args)`` of ``calls`` once per round, for ``repeats`` rounds.

    On a shared machine the load changes from second to second. Timing one function's
    repeats and then the other's lets a burst land on one of them only; alternating spreads
    it over both, so the ratio of their medians is a fair comparison. Every call is made
    once, untimed, before the first round.

    Args:
        calls: Name -> ``(fn, args)``.
        repeats: Rounds; each call is timed once per round (waiting for its outputs).

    Returns:
        Name -> :class:`Timing` of that call's ``repeats`` runs.

    Raises:
        ValueError: If ``repeats < 1`` or ``calls`` is empty.

    Examples:
        >>> import jax.numpy as jnp
        >>> x = jnp.ones(1000)
        >>> timings = time_alternately({"sum": (jnp.sum, (x,)), "max": (jnp.max, (x,))},
        ...                            repeats=3)
        >>> sorted(timings), len(timings["sum"].runs)
        (['max', 'sum'], 3)

    See also: the chapter "Performance: measuring JAX honestly".
    """
    if repeats < 1 or not calls:
        msg = f"need repeats >= 1 and at least one call; got repeats={repeats}, {len(calls)} calls"
        raise ValueError(msg)
    for fn, args in calls.values():
        jax.block_until_ready(fn(*args))
    runs: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, (fn, args) in calls.items():
            runs[name].append(time_call(fn, *args, repeats=1, warmup=0).median)
    return {name: Timing(statistics.median(r), min(r), tuple(r)) for name, r in runs.items()}
