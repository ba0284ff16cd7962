"""Data-parallel training of the logistic regression: the batch split over a device mesh.

The parameters and the optimizer state are replicated on every device of the mesh; the
examples of the batch are split along one mesh axis. :func:`jax.jit` is told these
shardings, and XLA's partitioner inserts the all-reduce that sums the per-device parts of
the gradient, so the step computes the same update as the single-device step of
:mod:`jax101._train`, up to the order in which float32 partial sums are added.

The mesh is always an argument, never a global, so the same code runs on one device, on
eight simulated CPU devices, or on the devices of several processes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import cast

import jax
import numpy as np
import optax
from jax.sharding import AxisType, NamedSharding, PartitionSpec

from ._data import Dataset
from ._logreg import Params
from ._train import History, _step, _train


def _shardings(mesh: jax.sharding.Mesh, axis: str) -> tuple[NamedSharding, NamedSharding]:
    """The replicated sharding of the mesh, and the batch sharding of every array of a batch.

    The batch sharding splits the leading (example) axis, so it serves ``x`` and ``y`` alike;
    as a tree prefix it stands for a whole :class:`Dataset` in ``in_shardings``.
    """
    if axis not in mesh.shape:
        msg = f"axis must be one of the mesh's axes {tuple(mesh.axis_names)}; got {axis!r}."
        raise ValueError(msg)
    # Auto axes let XLA's partitioner choose the collectives, whatever the caller's mesh
    # says (jax.make_mesh gives Explicit axes by default in this JAX).
    mesh = mesh.update(axis_types=(AxisType.Auto,) * len(mesh.axis_names))
    return NamedSharding(mesh, PartitionSpec()), NamedSharding(mesh, PartitionSpec(axis))


def _check_divisible(n: int, mesh: jax.sharding.Mesh, axis: str) -> None:
    parts = mesh.shape[axis]
    if n % parts:
        msg = (
            f"the batch of {n} examples does not split evenly over the {parts} devices of "
            f"mesh axis {axis!r}; use a batch size that is a multiple of {parts}."
        )
        raise ValueError(msg)


def shard_batch(data: Dataset, mesh: jax.sharding.Mesh, *, axis: str = "data") -> Dataset:
    """Split a batch over the devices of ``mesh`` along ``axis``, one block of rows each.

    ``data`` holds this process's rows. With one process these are all the rows and the
    call amounts to :func:`jax.device_put`. With several processes, each one passes its own
    consecutive rows, in process order, and gets back the same global arrays, built with
    :func:`jax.make_array_from_process_local_data`.

    Args:
        data: The rows of the :class:`Dataset` that this process holds.
        mesh: The device mesh.
        axis: The mesh axis that splits the examples.

    Returns:
        A :class:`Dataset` of global arrays sharded as ``PartitionSpec(axis)``.

    Raises:
        ValueError: If ``axis`` is not an axis of ``mesh`` or the global batch does not
            split evenly over it.

    Examples:
        >>> from jax101 import make_dataset
        >>> mesh = jax.make_mesh((jax.device_count(),), ("data",))
        >>> data = make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> sharded = shard_batch(data, mesh)
        >>> sharded.x.sharding.spec
        P('data',)
        >>> bool((sharded.x == data.x).all())
        True

    See also: the chapter "Parallelism and sharding".
    """
    _, batch = _shardings(mesh, axis)
    _check_divisible(data.y.shape[0] * jax.process_count(), mesh, axis)
    return Dataset(
        x=jax.make_array_from_process_local_data(batch, np.asarray(data.x)),
        y=jax.make_array_from_process_local_data(batch, np.asarray(data.y)),
    )


def make_sharded_step(
    optimizer: optax.GradientTransformation, mesh: jax.sharding.Mesh, *, axis: str = "data"
) -> Callable[[Params, optax.OptState, Dataset], tuple[Params, optax.OptState, History]]:
    """Return the data-parallel training step: :func:`jax101.make_step` with shardings.

    The step is the same function as the single-device one, jitted with the parameters
    and optimizer state replicated over ``mesh`` and the batch split along ``axis``. Its
    outputs (parameters, state and metrics) come back replicated.

    Args:
        optimizer: An Optax optimizer, such as ``optax.adam(3e-2)``.
        mesh: The device mesh.
        axis: The mesh axis that splits the examples.

    Returns:
        A jitted function ``step(params, opt_state, data)`` returning the new parameters,
        the new optimizer state and a :class:`History` entry of two scalars.

    Raises:
        ValueError: If ``axis`` is not an axis of ``mesh``.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax101 import make_dataset
        >>> mesh = jax.make_mesh((jax.device_count(),), ("data",))
        >>> data = shard_batch(make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0)), mesh)
        >>> optimizer = optax.adam(3e-2)
        >>> params = Params(w=jnp.zeros(2), b=jnp.zeros(()))
        >>> step = make_sharded_step(optimizer, mesh)
        >>> params, opt_state, metrics = step(params, optimizer.init(params), data)
        >>> metrics.loss.sharding.is_fully_replicated
        True

    See also: the chapter "Parallelism and sharding".
    """
    replicated, batch = _shardings(mesh, axis)
    return jax.jit(
        functools.partial(_step, optimizer),
        in_shardings=(replicated, replicated, batch),
        out_shardings=replicated,
    )


def train_sharded(  # noqa: PLR0913 - the arguments of train(), plus the mesh and its axis
    params: Params,
    data: Dataset,
    optimizer: optax.GradientTransformation,
    *,
    steps: int,
    mesh: jax.sharding.Mesh,
    axis: str = "data",
) -> tuple[Params, History]:
    """Run :func:`jax101.train` data-parallel: the batch split over ``mesh`` along ``axis``.

    The ``steps`` full-batch steps run as one compiled :func:`jax.lax.scan`, exactly as in
    :func:`jax101.train`; only the shardings differ. Each device computes the gradient of
    its block of examples, and the all-reduce that XLA inserts sums the blocks. The result
    equals the single-device one up to float32 rounding of the reordered sums.

    Args:
        params: The initial :class:`Params` (copied to every device).
        data: The training :class:`Dataset`: host or device arrays, or the global arrays
            returned by :func:`shard_batch`.
        optimizer: An Optax optimizer, such as ``optax.adam(3e-2)``.
        steps: The number of steps (an integer >= 1).
        mesh: The device mesh.
        axis: The mesh axis that splits the examples.

    Returns:
        The trained :class:`Params` and the :class:`History` of every step, replicated.

    Raises:
        ValueError: If ``steps`` is not an integer >= 1, ``axis`` is not an axis of
            ``mesh``, or the batch does not split evenly over it.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax101 import make_dataset, train
        >>> mesh = jax.make_mesh((jax.device_count(),), ("data",))
        >>> data = make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> start = Params(w=jnp.zeros(2), b=jnp.zeros(()))
        >>> _, history = train_sharded(start, data, optax.adam(3e-2), steps=50, mesh=mesh)
        >>> _, single = train(start, data, optax.adam(3e-2), steps=50)
        >>> bool(jnp.allclose(history.loss, single.loss, rtol=1e-5))
        True

    See also: the chapter "Parallelism and sharding".
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        msg = f"steps must be an integer >= 1, got {steps!r}."
        raise ValueError(msg)
    replicated, batch = _shardings(mesh, axis)
    _check_divisible(data.y.shape[0], mesh, axis)
    run = _compiled_train(optimizer, int(steps), replicated, batch)
    return run(params, data)


@functools.lru_cache(maxsize=32)
def _compiled_train(
    optimizer: optax.GradientTransformation,
    steps: int,
    replicated: NamedSharding,
    batch: NamedSharding,
) -> Callable[[Params, Dataset], tuple[Params, History]]:
    """One jitted training run per optimizer, step count and sharding (cached)."""

    def run(params: Params, data: Dataset) -> tuple[Params, History]:
        # jax.jit's wrapper is annotated to return Any; _train's own annotation is the truth.
        return cast(tuple[Params, History], _train(params, data, optimizer, steps))

    return jax.jit(run, in_shardings=(replicated, batch), out_shardings=replicated)
