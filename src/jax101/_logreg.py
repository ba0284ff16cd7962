"""Logistic regression: the model, its loss, the loss's closed-form gradient, and accuracy.

The loss is computed from the logits ``eta = x @ w + b`` in the form
``softplus(eta) - y * eta``, which equals the binary cross-entropy
``-[y log sigmoid(eta) + (1 - y) log(1 - sigmoid(eta))]`` but never takes the log of a
probability that rounded to 0 or 1, so it stays finite for any finite logit.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from ._data import Dataset


class Params(NamedTuple):
    """The parameters of a logistic regression model with ``K`` features.

    A ``NamedTuple`` is a pytree: :func:`jax.grad` of a function of ``Params`` returns
    its gradient as ``Params`` too, and Optax updates it leaf by leaf.

    Attributes:
        w (jax.Array): Weights, shape ``(K,)``.
        b (jax.Array): Bias, a scalar (shape ``()``).

    Examples:
        >>> params = Params(w=jnp.zeros(2), b=jnp.zeros(()))
        >>> jax.tree.map(jnp.shape, params)
        Params(w=(2,), b=())

    See also: :doc:`/logistic-regression`.
    """

    w: jax.Array
    b: jax.Array


def _check_shapes(params: Params, x: jax.Array) -> None:
    w, b = jnp.shape(params.w), jnp.shape(params.b)
    problems = []
    if len(w) != 1:
        problems.append(f"params.w must be 1-D of shape (K,), got shape {w}")
    if b != ():
        problems.append(f"params.b must be a scalar of shape (), got shape {b}")
    if x.ndim not in (1, 2) or (len(w) == 1 and x.shape[-1] != w[0]):
        k = w[0] if len(w) == 1 else "K"
        problems.append(
            f"x must have shape (N, {k}) for a batch or ({k},) for one example, got shape {x.shape}"
        )
    if problems:
        raise ValueError("; ".join(problems) + ".")


def logits(params: Params, x: ArrayLike) -> jax.Array:
    """Return the logits ``eta = x @ w + b`` of a batch ``(N, K)`` or of one example ``(K,)``.

    Args:
        params: The model's :class:`Params`.
        x: Features of shape ``(N, K)``, or ``(K,)`` for one example.

    Returns:
        The logits, shape ``(N,)``, or ``()`` for one example.

    Raises:
        ValueError: If the shapes of ``params`` and ``x`` do not fit together.

    Examples:
        >>> params = Params(w=jnp.array([2.0, -1.0]), b=jnp.array(-0.8))
        >>> logits(params, jnp.array([[1.0, 0.0], [0.0, 1.0]]))
        Array([ 1.2, -1.8], dtype=float32)
        >>> logits(params, jnp.ones(3))
        Traceback (most recent call last):
        ...
        ValueError: x must have shape (N, 2) for a batch or (2,) for one example, got shape (3,).

    See also: :doc:`/logistic-regression`.
    """
    x = jnp.asarray(x)
    _check_shapes(params, x)
    return x @ params.w + params.b


def predict_proba(params: Params, x: ArrayLike) -> jax.Array:
    """Return the predicted probability ``sigmoid(x @ w + b)`` that each label is 1.

    Args:
        params: The model's :class:`Params`.
        x: Features of shape ``(N, K)``, or ``(K,)`` for one example.

    Returns:
        Probabilities in ``[0, 1]``, shape ``(N,)``, or ``()`` for one example.

    Examples:
        >>> params = Params(w=jnp.array([1.0, 1.0]), b=jnp.array(0.0))
        >>> predict_proba(params, jnp.array([[0.0, 0.0], [100.0, 0.0]]))
        Array([0.5, 1. ], dtype=float32)

    See also: :doc:`/logistic-regression`.
    """
    return jax.nn.sigmoid(logits(params, x))


def loss(params: Params, data: Dataset) -> jax.Array:
    """Return the mean binary cross-entropy of the model on ``data``, computed from logits.

    Each example contributes ``softplus(eta) - y * eta``, which is
    ``-[y log sigmoid(eta) + (1 - y) log(1 - sigmoid(eta))]`` rewritten so that no
    probability is formed: it stays finite and accurate at logits of +-100, where
    ``sigmoid`` rounds to exactly 0 or 1 in float32.

    Args:
        params: The model's :class:`Params`.
        data: A :class:`Dataset` with ``x`` of shape ``(N, K)`` and ``y`` of shape ``(N,)``.

    Returns:
        The mean loss, a scalar.

    Examples:
        >>> data = Dataset(x=jnp.array([[1.0], [-1.0]]), y=jnp.array([1.0, 0.0]))
        >>> loss(Params(w=jnp.array([0.0]), b=jnp.array(0.0)), data)  # log 2
        Array(0.6931472, dtype=float32)
        >>> loss(Params(w=jnp.array([-100.0]), b=jnp.array(0.0)), data)  # confidently wrong
        Array(100., dtype=float32)

    See also: :doc:`/logistic-regression`.
    """
    eta = logits(params, data.x)
    return jnp.mean(jax.nn.softplus(eta) - data.y * eta)


def loss_grad(params: Params, data: Dataset) -> Params:
    """Return the gradient of :func:`loss`, from its closed form.

    With ``r = sigmoid(eta) - y`` the residuals, the gradient is ``x.T @ r / N`` for the
    weights and ``mean(r)`` for the bias. It equals ``jax.grad(loss)(params, data)``.

    Args:
        params: The model's :class:`Params`.
        data: A :class:`Dataset`.

    Returns:
        The gradient, as :class:`Params` (same structure and shapes as ``params``).

    Examples:
        >>> data = Dataset(x=jnp.array([[1.0], [-1.0]]), y=jnp.array([1.0, 0.0]))
        >>> loss_grad(Params(w=jnp.array([0.0]), b=jnp.array(0.0)), data)
        Params(w=Array([-0.5], dtype=float32), b=Array(0., dtype=float32))

    See also: :doc:`/logistic-regression`.
    """
    residuals = jax.nn.sigmoid(logits(params, data.x)) - data.y
    return Params(w=data.x.T @ residuals / data.y.shape[0], b=jnp.mean(residuals))


def accuracy(params: Params, data: Dataset) -> jax.Array:
    """Return the fraction of examples whose label the model predicts correctly.

    The model predicts 1 where ``sigmoid(eta) > 0.5``, that is where ``eta > 0``.

    Args:
        params: The model's :class:`Params`.
        data: A :class:`Dataset`.

    Returns:
        The accuracy in ``[0, 1]``, a float32 scalar.

    Examples:
        >>> data = Dataset(x=jnp.array([[1.0], [-1.0], [2.0]]), y=jnp.array([1.0, 0.0, 0.0]))
        >>> accuracy(Params(w=jnp.array([1.0]), b=jnp.array(0.0)), data)
        Array(0.6666667, dtype=float32)

    See also: :doc:`/logistic-regression`.
    """
    predicted = logits(params, data.x) > 0
    return jnp.mean(predicted == (data.y > 0.5), dtype=jnp.float32)
