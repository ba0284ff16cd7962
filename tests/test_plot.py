"""Tests of jax101.plot_decision_boundaries."""

from __future__ import annotations

import jax
import matplotlib as mpl
import numpy as np
import pytest

mpl.use("Agg")
import matplotlib.pyplot as plt

from jax101 import Params, make_dataset, plot_decision_boundaries

TRUTH = Params(w=np.array([2.0, -1.0]), b=np.array(-0.8))


@pytest.fixture
def data():
    return make_dataset(64, [2.0, -1.0], -0.8, key=jax.random.key(0))


@pytest.fixture
def ax():
    figure, axes = plt.subplots()
    yield axes
    plt.close(figure)


def test_draws_classes_and_one_line_per_boundary(data, ax):
    learned = Params(w=np.array([1.8, -1.1]), b=np.array(-0.6))
    plot_decision_boundaries(data, {"learned": learned, "true": TRUTH}, ax=ax, title="T")
    assert len(ax.collections) == 2  # one scatter per class
    assert [line.get_label() for line in ax.get_lines()] == ["learned", "true"]
    assert ax.get_title() == "T"
    assert ax.get_xlabel() == "$x_1$"
    assert ax.get_ylabel() == "$x_2$"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["y = 0", "y = 1", "learned", "true"]


@pytest.mark.parametrize(
    "params",
    [TRUTH, Params(w=np.array([0.0, 1.0]), b=np.array(0.5)), Params(np.array([1.0, 0.0]), 0.0)],
    ids=["oblique", "horizontal", "vertical"],
)
def test_the_line_is_the_set_where_the_logit_is_zero(data, ax, params):
    plot_decision_boundaries(data, {"line": params}, ax=ax)
    (line,) = ax.get_lines()
    points = np.column_stack(line.get_data())
    np.testing.assert_allclose(points @ params.w + params.b, 0.0, atol=1e-9)


def test_rejects_data_that_is_not_2d(ax):
    data = make_dataset(8, [1.0, 2.0, 3.0], 0.0, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"data\.x must have shape \(N, 2\) .* got shape \(8, 3\)"):
        plot_decision_boundaries(data, {}, ax=ax)


def test_rejects_a_degenerate_boundary(data, ax):
    with pytest.raises(ValueError, match=r"boundary 'flat': w must be 2 finite numbers"):
        plot_decision_boundaries(data, {"flat": Params(np.zeros(2), 0.0)}, ax=ax)
