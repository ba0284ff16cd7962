"""Synthetic classification data: normal features, labels drawn from a known logistic model.

Knowing the parameters that generated the labels lets a chapter compare what training
learned with the truth, and drawing everything from explicit keys makes the data the same
on every build.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from ._validate import integer_problem, number_problem, raise_problems


class Dataset(NamedTuple):
    """A binary classification data set: ``N`` examples with ``K`` features each.

    A ``NamedTuple`` is a pytree, so a ``Dataset`` passes through :func:`jax.jit`,
    :func:`jax.grad` and :func:`jax.lax.scan` as one argument.

    Attributes:
        x (jax.Array): Features, float32 of shape ``(N, K)``.
        y (jax.Array): Labels in ``{0, 1}``, float32 of shape ``(N,)``.

    See also: :doc:`/logistic-regression`.
    """

    x: jax.Array
    y: jax.Array


def _is_key(key: object) -> bool:
    if not isinstance(key, jax.Array):
        return False
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):  # jax.random.key(...)
        return key.ndim == 0
    return key.dtype == jnp.uint32 and key.shape == (2,)  # legacy jax.random.PRNGKey(...)


def make_dataset(n_samples: int, weights: ArrayLike, bias: float, *, key: jax.Array) -> Dataset:
    """Draw a data set from a logistic regression model with known parameters.

    Features are standard normal, ``x ~ N(0, I)`` of shape ``(n_samples, K)`` with
    ``K = len(weights)``. Each label is a coin flip that comes up 1 with probability
    ``sigmoid(x @ weights + bias)``. The features and the labels use two sub-keys split
    from ``key``, so the same key always gives the same data set.

    Args:
        n_samples: Number of examples ``N`` (an integer >= 1).
        weights: The true weights, a 1-D array of ``K >= 1`` finite numbers.
        bias: The true bias, a finite number.
        key: A PRNG key from :func:`jax.random.key` (or the legacy
            :func:`jax.random.PRNGKey`).

    Returns:
        A :class:`Dataset` with ``x`` of shape ``(N, K)`` and ``y`` of shape ``(N,)``,
        both float32.

    Raises:
        ValueError: Naming every argument that is invalid, what was expected and
            what arrived.

    Examples:
        >>> data = make_dataset(512, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> data.x.shape, data.y.shape, data.y.dtype
        ((512, 2), (512,), dtype('float32'))
        >>> sorted(set(data.y.tolist()))
        [0.0, 1.0]
        >>> make_dataset(0, [[1.0]], float("nan"), key=jax.random.key(0))
        Traceback (most recent call last):
        ...
        ValueError: make_dataset got invalid arguments: n_samples must be an integer >= 1, got 0; weights must be 1-D of shape (K,) with K >= 1, got shape (1, 1); bias must be a finite number, got nan.

    See also: :doc:`/logistic-regression`.
    """  # noqa: E501 - a doctest's expected output is one line
    problems: list[str | None] = [integer_problem("n_samples", n_samples, 1)]
    try:
        w = np.asarray(weights, dtype=np.float32)
    except (TypeError, ValueError):
        w = np.full((0,), np.nan, dtype=np.float32)
        problems.append(f"weights must be a 1-D array of numbers, got {weights!r}")
    else:
        if w.ndim != 1 or w.size == 0:
            problems.append(f"weights must be 1-D of shape (K,) with K >= 1, got shape {w.shape}")
        elif not np.all(np.isfinite(w)):
            problems.append(f"weights must be finite, got {w.tolist()}")
    problems.append(number_problem("bias", bias))
    if not _is_key(key):
        problems.append(
            f"key must be a PRNG key such as jax.random.key(0), got {type(key).__name__}"
        )
    raise_problems("make_dataset", problems)

    key_x, key_y = jax.random.split(key)
    x = jax.random.normal(key_x, (n_samples, w.size), dtype=jnp.float32)
    probabilities = jax.nn.sigmoid(x @ jnp.asarray(w) + jnp.float32(bias))
    y = jax.random.bernoulli(key_y, probabilities).astype(jnp.float32)
    return Dataset(x=x, y=y)
