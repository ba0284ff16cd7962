"""The logistic-regression loss and gradient, one cache-sized block of rows at a time.

``jax.value_and_grad(loss)`` on a large data set makes two passes over ``x``: ``x @ w`` for
the logits, then ``residuals @ x`` for the gradient. Splitting the rows into blocks and
running both passes on one block before moving on (a :func:`jax.lax.map`) is the usual remedy
when those passes are limited by reading ``x`` from memory. Whether it helps depends on what
limits the step: on XLA:CPU the matrix-vector products themselves do, and the gain varies
with the machine and its load (the chapter "Performance" measures it).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax

from ._data import Dataset
from ._logreg import Params, loss


class LossAndGradient(NamedTuple):
    """The mean loss and its gradient, in the order ``jax.value_and_grad`` returns them."""

    loss: jax.Array
    grad: Params


def loss_and_grad_blocked(params: Params, data: Dataset, *, rows: int = 16384) -> LossAndGradient:
    """Return ``jax.value_and_grad(loss)(params, data)``, computed block by block.

    Every block holds ``rows`` examples, so each block's loss and gradient are means over
    the same number of examples, and their mean over blocks is the mean over all examples.

    Args:
        params: The model's :class:`Params`.
        data: A :class:`Dataset` whose number of examples is a multiple of ``rows`` (or
            smaller than ``rows``: then it is one block).
        rows: Examples per block; 16384 rows of 64 float32 features are 4 MiB.

    Returns:
        The mean loss and its gradient, as ``jax.value_and_grad(loss)`` returns them (a
        :class:`LossAndGradient`, which unpacks as a pair).

    Raises:
        ValueError: If ``rows < 1`` or the number of examples is not a multiple of it.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax101 import make_dataset
        >>> data = make_dataset(1024, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> params = Params(w=jnp.array([0.5, 0.3]), b=jnp.array(0.1))
        >>> value, grad = loss_and_grad_blocked(params, data, rows=256)
        >>> expected_value, expected_grad = jax.value_and_grad(loss)(params, data)
        >>> bool(jnp.allclose(value, expected_value)), bool(jnp.allclose(grad.w, expected_grad.w))
        (True, True)

    See also: the chapter "Performance: measuring JAX honestly".
    """
    n = data.y.shape[0]
    rows = min(rows, n) if rows >= 1 else rows
    if rows < 1 or n % rows:
        msg = f"the {n} examples must split into blocks of rows={rows}; pick a divisor of {n}"
        raise ValueError(msg)
    value, grad = _blocked(params, data, rows)
    return LossAndGradient(value, grad)


@functools.partial(jax.jit, static_argnums=2)
def _blocked(params: Params, data: Dataset, rows: int) -> tuple[jax.Array, Params]:
    blocks = Dataset(x=data.x.reshape(-1, rows, data.x.shape[1]), y=data.y.reshape(-1, rows))
    values, grads = jax.lax.map(lambda block: jax.value_and_grad(loss)(params, block), blocks)
    return values.mean(), jax.tree.map(lambda g: g.mean(axis=0), grads)
