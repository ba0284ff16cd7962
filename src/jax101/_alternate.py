"""Time several calls in turn, so that a burst of load on the machine hits them all alike."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import jax

from ._timing import Timing, time_call


class Alternation(dict[str, Timing]):
    """Name -> :class:`Timing`, with the order the calls were made in each round.

    Attributes:
        order: One tuple of names per round, in the order that round called them.
        seed: The seed that drew the orders.
    """

    def __init__(
        self, timings: dict[str, Timing], *, order: Sequence[tuple[str, ...]], seed: int
    ) -> None:
        super().__init__(timings)
        self.order = tuple(order)
        self.seed = seed

    def first_counts(self) -> dict[str, int]:
        """Return how many rounds each call went first in."""
        return {name: sum(o[0] == name for o in self.order) for name in self}


def _balanced_orders(names: Sequence[str], rounds: int, *, seed: int) -> list[tuple[str, ...]]:
    """Draw one calling order per round, each name equally often in each position.

    Rounds come in blocks of ``len(names)``: a block holds every rotation of one shuffled
    order, in shuffled sequence, so within a block each name takes each position exactly
    once. Over any number of rounds, two names' counts in one position differ by at most 1.

    Args:
        names: The calls to order.
        rounds: How many orders to draw.
        seed: Seed of the shuffles; the same seed gives the same orders.

    Returns:
        ``rounds`` tuples, each a permutation of ``names``.

    Examples:
        >>> orders = _balanced_orders(["a", "b"], 4, seed=0)
        >>> sorted(o[0] for o in orders)
        ['a', 'a', 'b', 'b']
    """
    rng = random.Random(seed)
    orders: list[tuple[str, ...]] = []
    while len(orders) < rounds:
        base = list(names)
        rng.shuffle(base)
        block = [tuple(base[i:] + base[:i]) for i in range(len(base))]
        rng.shuffle(block)
        orders.extend(block)
    return orders[:rounds]


def time_alternately(
    calls: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]],
    *,
    repeats: int = 5,
    seed: int = 0,
) -> dict[str, Timing]:  # an Alternation; the API reference documents dict[str, Timing]
    """Time each ``fn(*args)`` of ``calls`` once per round, in a fresh order each round.

    On a shared machine the load changes from second to second. Timing one function's
    repeats and then the other's lets a burst land on one of them only; alternating spreads
    it over both. The position in a round matters too (the first call of a round can find
    the caches cold, or the processor not yet at full clock), so each round calls them in
    a random order, each call equally often in each position (in every block of as many
    rounds as there are calls, each call takes each position once). The ratio
    of their medians is then a fair comparison. Every call is made once, untimed, before
    the first round.

    Args:
        calls: Name -> ``(fn, args)``.
        repeats: Rounds; each call is timed once per round (waiting for its outputs).
        seed: Seed of the calling orders, which the result records.

    Returns:
        Name -> :class:`Timing` of that call's ``repeats`` runs (an ``Alternation``, a
        ``dict`` that also records ``.order``, the names in the order each round called
        them, ``.seed``, and ``.first_counts()``, how often each call went first).

    Raises:
        ValueError: If ``repeats < 1`` or ``calls`` is empty.

    Examples:
        >>> import jax.numpy as jnp
        >>> x = jnp.ones(1000)
        >>> timings = time_alternately({"sum": (jnp.sum, (x,)), "max": (jnp.max, (x,))},
        ...                            repeats=4)
        >>> sorted(timings), len(timings["sum"].runs), timings.first_counts()
        (['max', 'sum'], 4, {'sum': 2, 'max': 2})

    See also: the chapter "Performance: measuring JAX honestly".
    """
    if repeats < 1 or not calls:
        msg = f"need repeats >= 1 and at least one call; got repeats={repeats}, {len(calls)} calls"
        raise ValueError(msg)
    for fn, args in calls.values():
        jax.block_until_ready(fn(*args))
    order = _balanced_orders(list(calls), repeats, seed=seed)
    runs: dict[str, list[float]] = {name: [] for name in calls}
    for names in order:
        for name in names:
            fn, args = calls[name]
            runs[name].append(time_call(fn, *args, repeats=1, warmup=0).median)
    timings = {name: Timing(statistics.median(r), min(r), tuple(r)) for name, r in runs.items()}
    return Alternation(timings, order=order, seed=seed)
