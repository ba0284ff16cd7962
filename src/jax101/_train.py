"""Full-batch training of the logistic regression model with an Optax optimizer.

Two ways to run the same steps: :func:`make_step` gives one jitted update for a Python
loop (one dispatch per step), and :func:`train` runs every step inside one compiled
:func:`jax.lax.scan` (one dispatch in all). Both apply exactly the same update, so their
results agree step for step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple, cast

import jax
import jax.numpy as jnp
import optax

from ._data import Dataset
from ._logreg import Params, accuracy, loss
from ._validate import integer_problem, raise_problems


class History(NamedTuple):
    """Loss and accuracy of the model after each training step.

    :func:`make_step` returns one step's entry (two scalars); :func:`train` returns every
    step's entries stacked by :func:`jax.lax.scan` (two arrays of shape ``(steps,)``).

    Attributes:
        loss (jax.Array): The mean binary cross-entropy after the step.
        accuracy (jax.Array): The training accuracy after the step.

    See also: :doc:`/logistic-regression`.
    """

    loss: jax.Array
    accuracy: jax.Array


def _step(
    optimizer: optax.GradientTransformation,
    params: Params,
    opt_state: optax.OptState,
    data: Dataset,
) -> tuple[Params, optax.OptState, History]:
    grads = jax.grad(loss)(params, data)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    params = cast(Params, optax.apply_updates(params, updates))
    return params, opt_state, History(loss=loss(params, data), accuracy=accuracy(params, data))


def make_step(
    optimizer: optax.GradientTransformation,
) -> Callable[[Params, optax.OptState, Dataset], tuple[Params, optax.OptState, History]]:
    """Return the jitted training step for ``optimizer``, to call in a Python loop.

    The step computes the gradient of :func:`loss` with :func:`jax.grad`, lets the
    optimizer turn it into an update, applies it, and evaluates the new parameters.

    Args:
        optimizer: An Optax optimizer, such as ``optax.adam(3e-2)``.

    Returns:
        A jitted function ``step(params, opt_state, data)`` returning the new parameters,
        the new optimizer state and a :class:`History` entry of two scalars.

    Examples:
        >>> from jax101 import Params, make_dataset
        >>> data = make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> optimizer = optax.adam(3e-2)
        >>> params = Params(w=jnp.zeros(2), b=jnp.zeros(()))
        >>> opt_state = optimizer.init(params)
        >>> step = make_step(optimizer)
        >>> for _ in range(3):
        ...     params, opt_state, metrics = step(params, opt_state, data)
        >>> bool(metrics.loss < loss(Params(jnp.zeros(2), jnp.zeros(())), data))
        True

    See also: :doc:`/logistic-regression`.
    """
    return jax.jit(functools.partial(_step, optimizer))


def train(
    params: Params, data: Dataset, optimizer: optax.GradientTransformation, *, steps: int
) -> tuple[Params, History]:
    """Run ``steps`` full-batch optimizer steps as one compiled :func:`jax.lax.scan`.

    The optimizer state starts from ``optimizer.init(params)``. The whole loop is one
    XLA computation, compiled once per optimizer object and number of steps, so Python
    dispatches one call instead of one per step. The results equal those of calling
    :func:`make_step` ``steps`` times.

    Args:
        params: The initial :class:`Params`.
        data: The training :class:`Dataset`.
        optimizer: An Optax optimizer, such as ``optax.adam(3e-2)``.
        steps: The number of steps (an integer >= 1).

    Returns:
        The trained :class:`Params`, and the :class:`History` of every step (arrays of
        shape ``(steps,)``; the last entry describes the returned parameters).

    Raises:
        ValueError: If ``steps`` is not an integer >= 1.

    Examples:
        >>> from jax101 import Params, make_dataset
        >>> data = make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> start = Params(w=jnp.zeros(2), b=jnp.zeros(()))
        >>> params, history = train(start, data, optax.adam(3e-2), steps=100)
        >>> history.loss.shape, history.accuracy.shape
        ((100,), (100,))
        >>> bool(history.loss[-1] < history.loss[0])
        True

    See also: :doc:`/logistic-regression`.
    """
    raise_problems("train", [integer_problem("steps", steps, 1)])
    params = Params(w=jnp.asarray(params.w), b=jnp.asarray(params.b))
    return cast(tuple[Params, History], _train(params, data, optimizer, int(steps)))


@functools.partial(jax.jit, static_argnums=(2, 3))
def _train(
    params: Params, data: Dataset, optimizer: optax.GradientTransformation, steps: int
) -> tuple[Params, History]:
    def body(
        carry: tuple[Params, optax.OptState], _: None
    ) -> tuple[tuple[Params, optax.OptState], History]:
        params, opt_state, metrics = _step(optimizer, *carry, data)
        return (params, opt_state), metrics

    (params, _), history = jax.lax.scan(body, (params, optimizer.init(params)), length=steps)
    return params, history
