"""Tests of jax101.make_dataset: shapes, reproducibility, the labelling model, validation."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from jax101 import Dataset, make_dataset

TRUE_W = [2.0, -1.0]
TRUE_B = -0.8


def test_shapes_and_dtypes(key):
    data = make_dataset(100, [1.0, 2.0, 3.0], 0.5, key=key)
    assert isinstance(data, Dataset)
    assert data.x.shape == (100, 3)
    assert data.y.shape == (100,)
    assert data.x.dtype == np.float32
    assert data.y.dtype == np.float32
    assert set(np.unique(np.asarray(data.y))) <= {0.0, 1.0}


def test_same_key_same_data(key):
    first = make_dataset(64, TRUE_W, TRUE_B, key=key)
    second = make_dataset(64, TRUE_W, TRUE_B, key=key)
    np.testing.assert_array_equal(first.x, second.x)
    np.testing.assert_array_equal(first.y, second.y)


def test_other_key_other_data(key):
    first = make_dataset(64, TRUE_W, TRUE_B, key=key)
    other = make_dataset(64, TRUE_W, TRUE_B, key=jax.random.key(1))
    assert not np.array_equal(first.x, other.x)
    assert not np.array_equal(first.y, other.y)


def test_legacy_key_gives_the_same_data_as_a_typed_key():
    typed = make_dataset(32, TRUE_W, TRUE_B, key=jax.random.key(7))
    legacy = make_dataset(32, TRUE_W, TRUE_B, key=jax.random.PRNGKey(7))
    np.testing.assert_array_equal(typed.x, legacy.x)
    np.testing.assert_array_equal(typed.y, legacy.y)


def test_features_are_standard_normal(key):
    x = np.asarray(make_dataset(20_000, TRUE_W, TRUE_B, key=key).x, dtype=np.float64)
    # Mean within ~5 standard errors of 0, covariance close to the identity.
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=5 / np.sqrt(20_000))
    np.testing.assert_allclose(np.cov(x.T), np.eye(2), atol=0.05)


def test_labels_follow_the_logistic_model(key):
    data = make_dataset(20_000, TRUE_W, TRUE_B, key=key)
    x, y = np.asarray(data.x, dtype=np.float64), np.asarray(data.y, dtype=np.float64)
    probabilities = 1.0 / (1.0 + np.exp(-(x @ np.array(TRUE_W) + TRUE_B)))  # NumPy reference
    # Within bins of the true probability, the label frequency matches the probability.
    bins = np.digitize(probabilities, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        chosen = bins == b
        standard_error = 0.5 / np.sqrt(chosen.sum())
        assert abs(y[chosen].mean() - probabilities[chosen].mean()) < 5 * standard_error


def test_extreme_weights_give_deterministic_labels(key):
    data = make_dataset(200, [1e4], 0.0, key=key)
    np.testing.assert_array_equal(data.y, (np.asarray(data.x[:, 0]) > 0).astype(np.float32))


@pytest.mark.parametrize(
    ("n_samples", "weights", "bias", "match"),
    [
        pytest.param(0, TRUE_W, TRUE_B, r"n_samples must be an integer >= 1, got 0", id="zero"),
        pytest.param(-5, TRUE_W, TRUE_B, r"n_samples .* got -5", id="negative"),
        pytest.param(2.5, TRUE_W, TRUE_B, r"n_samples .* got 2\.5", id="float-n"),
        pytest.param(True, TRUE_W, TRUE_B, r"n_samples .* got True", id="bool-n"),
        pytest.param(8, [], TRUE_B, r"weights must be 1-D .* got shape \(0,\)", id="empty-w"),
        pytest.param(8, 2.0, TRUE_B, r"weights must be 1-D .* got shape \(\)", id="scalar-w"),
        pytest.param(8, [[1.0, 2.0]], TRUE_B, r"weights .* got shape \(1, 2\)", id="2d-w"),
        pytest.param(8, [1.0, np.inf], TRUE_B, r"weights must be finite", id="inf-w"),
        pytest.param(8, ["a", "b"], TRUE_B, r"weights must be a 1-D array of numbers", id="str-w"),
        pytest.param(8, TRUE_W, float("nan"), r"bias must be a finite number, got nan", id="nan"),
        pytest.param(8, TRUE_W, np.inf, r"bias must be a finite number, got inf", id="inf-b"),
        pytest.param(8, TRUE_W, "big", r"bias must be a finite number, got 'big'", id="str-b"),
    ],
)
def test_bad_arguments_raise_a_clear_error(key, n_samples, weights, bias, match):
    with pytest.raises(ValueError, match=match):
        make_dataset(n_samples, weights, bias, key=key)


def test_every_problem_is_reported_at_once(key):
    with pytest.raises(ValueError, match=r"n_samples .*; weights .*; bias .*\.$"):
        make_dataset(0, [], float("nan"), key=key)


@pytest.mark.parametrize(
    "bad_key",
    [0, np.zeros(2, np.uint32), jax.numpy.zeros(3)],
    ids=["int-seed", "numpy-array", "float-array"],
)
def test_a_seed_is_not_a_key(bad_key):
    with pytest.raises(ValueError, match=r"key must be a PRNG key such as jax\.random\.key\(0\)"):
        make_dataset(8, TRUE_W, TRUE_B, key=bad_key)
