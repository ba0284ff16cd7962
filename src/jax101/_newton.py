"""Newton's method for the logistic regression loss, with the exact Hessian from JAX.

The mean binary cross-entropy is convex in ``(w, b)``, so where its minimum exists Newton's
method reaches it in a handful of steps, converging quadratically. That minimum is the
yardstick against which a first-order optimizer such as Adam is judged.
"""

from __future__ import annotations

from typing import cast

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from ._data import Dataset
from ._logreg import Params, loss
from ._validate import integer_problem, number_problem, raise_problems


def newton(params: Params, data: Dataset, *, steps: int = 20, tol: float = 1e-6) -> Params:
    """Minimize :func:`loss` by Newton's method, using :func:`jax.hessian` for the Hessian.

    Each iteration solves ``H(theta) delta = g(theta)`` for the parameter vector
    ``theta = (w, b)`` and steps to ``theta - delta``. It stops after ``steps`` iterations,
    or as soon as the gradient's Euclidean norm is at most ``tol``. The loop runs as one
    jitted :func:`jax.lax.while_loop`.

    The minimum exists unless the data are linearly separable (then the loss keeps
    falling as ``|w|`` grows, and so do Newton's iterates).

    Args:
        params: The starting :class:`Params` (zeros work well for this loss).
        data: The :class:`Dataset` whose loss is minimized.
        steps: The most Newton iterations to take (an integer >= 0).
        tol: Stop once the gradient norm is at most this (a finite number >= 0).

    Returns:
        The minimizing :class:`Params`.

    Raises:
        ValueError: If ``steps`` or ``tol`` is invalid.

    Examples:
        >>> from jax101 import loss_grad, make_dataset
        >>> data = make_dataset(512, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> best = newton(Params(w=jnp.zeros(2), b=jnp.zeros(())), data)
        >>> gradient, _ = jax.flatten_util.ravel_pytree(loss_grad(best, data))
        >>> bool(jnp.linalg.norm(gradient) < 1e-5)
        True

    See also: :doc:`/logistic-regression`.
    """
    raise_problems(
        "newton", [integer_problem("steps", steps, 0), number_problem("tol", tol, minimum=0)]
    )
    params = Params(w=jnp.asarray(params.w, jnp.float32), b=jnp.asarray(params.b, jnp.float32))
    return cast(Params, _newton(params, data, jnp.int32(steps), jnp.float32(tol)))


@jax.jit
def _newton(params: Params, data: Dataset, steps: jax.Array, tol: jax.Array) -> Params:
    theta, unravel = ravel_pytree(params)

    def objective(theta: jax.Array) -> jax.Array:
        return loss(cast(Params, unravel(theta)), data)

    gradient, hessian = jax.grad(objective), jax.hessian(objective)

    def keep_going(state: tuple[jax.Array, jax.Array, jax.Array]) -> jax.Array:
        i, _, g = state
        going: jax.Array = (i < steps) & (jnp.linalg.norm(g) > tol)
        return going

    def newton_step(
        state: tuple[jax.Array, jax.Array, jax.Array],
    ) -> tuple[jax.Array, jax.Array, jax.Array]:
        i, theta, g = state
        theta = theta - jnp.linalg.solve(hessian(theta), g)
        return i + 1, theta, gradient(theta)

    start = (jnp.asarray(0), theta, gradient(theta))
    _, theta, _ = jax.lax.while_loop(keep_going, newton_step, start)
    return cast(Params, unravel(theta))
