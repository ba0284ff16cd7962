"""Plot a 2-D binary classification data set with one or more linear decision boundaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ._data import Dataset
from ._logreg import Params

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_LINESTYLES = ("-", "--", ":", "-.")


def plot_decision_boundaries(
    data: Dataset,
    boundaries: Mapping[str, Params],
    *,
    ax: Axes | None = None,
    title: str = "Data and decision boundaries",
) -> Axes:
    """Scatter a 2-D data set by class and draw the line ``x @ w + b = 0`` of each model.

    The two classes differ in marker shape as well as colour, and the boundaries in line
    style, so the figure also reads in grey scale.

    Args:
        data: A :class:`Dataset` with exactly two features.
        boundaries: Legend label -> :class:`Params` of each boundary to draw.
        ax: The matplotlib axes to draw on; a new figure if ``None``.
        title: The axes title.

    Returns:
        The axes drawn on.

    Raises:
        ValueError: If the data do not have two features, or a boundary's weights are
            not two finite numbers, not both zero.

    Examples:
        >>> import jax, matplotlib
        >>> matplotlib.use("Agg")
        >>> from jax101 import make_dataset
        >>> data = make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0))
        >>> truth = Params(w=np.array([2.0, -1.0]), b=np.array(-0.8))
        >>> ax = plot_decision_boundaries(data, {"true boundary": truth})
        >>> ax.get_xlabel(), len(ax.get_lines())
        ('$x_1$', 1)

    See also: :doc:`/logistic-regression`.
    """
    x, y = np.asarray(data.x), np.asarray(data.y)
    if x.ndim != 2 or x.shape[1] != 2:
        msg = f"data.x must have shape (N, 2) to be drawn in the plane, got shape {x.shape}."
        raise ValueError(msg)
    lines = {}
    for label, params in boundaries.items():
        w, b = np.asarray(params.w, dtype=float), float(params.b)
        if w.shape != (2,) or not np.all(np.isfinite(w)) or not np.any(w):
            msg = f"boundary {label!r}: w must be 2 finite numbers, not both 0; got {w.tolist()}."
            raise ValueError(msg)
        lines[label] = (w, b)

    if ax is None:
        import matplotlib.pyplot as plt  # noqa: PLC0415 - only plotting needs pyplot

        _, ax = plt.subplots()
    for value, marker in ((0.0, "o"), (1.0, "^")):
        chosen = y == value
        xs, ys = x[chosen].T
        ax.scatter(xs, ys, s=14, marker=marker, alpha=0.6, label=f"y = {value:g}")
    x_min, y_min = x.min(axis=0) - 0.5
    x_max, y_max = x.max(axis=0) + 0.5
    span = 2 * np.hypot(x_max - x_min, y_max - y_min)
    for (label, (w, b)), style in zip(lines.items(), _LINESTYLES * len(lines), strict=False):
        point = -b * w / (w @ w)  # the point of the line closest to the origin
        direction = np.array([-w[1], w[0]]) / np.hypot(*w)
        ends = point + np.outer([-span, span], direction)
        ax.plot(ends[:, 0], ends[:, 1], linestyle=style, color="black", linewidth=1.5, label=label)
    ax.set(xlim=(x_min, x_max), ylim=(y_min, y_max), xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.legend(loc="best", fontsize="small")
    return ax
