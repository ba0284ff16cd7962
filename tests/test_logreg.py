"""Tests of the logistic regression model, its training loops and Newton's method."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jax101 import (
    Dataset,
    History,
    Params,
    accuracy,
    logits,
    loss,
    loss_grad,
    make_dataset,
    make_step,
    newton,
    predict_proba,
    train,
)

ZEROS = Params(w=jnp.zeros(2), b=jnp.zeros(()))


@pytest.fixture(scope="module")
def data() -> Dataset:
    return make_dataset(256, [2.0, -1.0], -0.8, key=jax.random.key(3))


def numpy_loss(params: Params, data: Dataset) -> float:
    """The textbook formula in float64: -mean(y log p + (1 - y) log(1 - p))."""
    x, y = np.asarray(data.x, np.float64), np.asarray(data.y, np.float64)
    p = 1 / (1 + np.exp(-(x @ np.asarray(params.w, np.float64) + float(params.b))))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def numpy_newton(data: Dataset, steps: int = 30) -> np.ndarray:
    """Newton's method in float64 with the hand-derived Hessian X'diag(p(1-p))X/N."""
    x = np.hstack([np.asarray(data.x, np.float64), np.ones((data.x.shape[0], 1))])
    y = np.asarray(data.y, np.float64)
    theta = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ theta))
        gradient = x.T @ (p - y) / len(y)
        hessian = (x.T * (p * (1 - p))) @ x / len(y)
        theta -= np.linalg.solve(hessian, gradient)
    return theta


def flat(params: Params) -> np.ndarray:
    return np.append(np.asarray(params.w), np.asarray(params.b))


# --- The model -------------------------------------------------------------------------------


def test_logits_and_probabilities_match_numpy(data):
    params = Params(w=jnp.array([0.3, -0.7]), b=jnp.array(0.2))
    x = np.asarray(data.x, np.float64)
    expected = x @ np.array([0.3, -0.7]) + 0.2
    np.testing.assert_allclose(logits(params, data.x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        predict_proba(params, data.x), 1 / (1 + np.exp(-expected)), rtol=1e-5, atol=1e-7
    )


def test_one_example_gives_a_scalar(data):
    params = Params(w=jnp.array([0.3, -0.7]), b=jnp.array(0.2))
    assert predict_proba(params, data.x[0]).shape == ()
    np.testing.assert_allclose(predict_proba(params, data.x[0]), predict_proba(params, data.x)[0])


@pytest.mark.parametrize(
    ("params", "x", "match"),
    [
        pytest.param(ZEROS, jnp.ones((4, 3)), r"x must have shape \(N, 2\) .* got shape \(4, 3\)"),
        pytest.param(ZEROS, jnp.ones(()), r"x must have shape .* got shape \(\)"),
        pytest.param(
            Params(w=jnp.zeros((2, 1)), b=jnp.zeros(())), jnp.ones((4, 2)), r"params\.w must be 1-D"
        ),
        pytest.param(
            Params(w=jnp.zeros(2), b=jnp.zeros(1)), jnp.ones((4, 2)), r"params\.b must be a scalar"
        ),
    ],
    ids=["wrong-k", "scalar-x", "2d-w", "vector-b"],
)
def test_shape_mismatches_raise_a_clear_error(params, x, match):
    with pytest.raises(ValueError, match=match):
        logits(params, x)


# --- The loss and its gradient ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [ZEROS, Params(w=jnp.array([1.5, -0.5]), b=jnp.array(-0.3))],
    ids=["zeros", "nonzero"],
)
def test_loss_matches_the_textbook_formula(data, params):
    np.testing.assert_allclose(loss(params, data), numpy_loss(params, data), rtol=1e-6)


def test_loss_at_zero_is_log_two(data):
    np.testing.assert_allclose(loss(ZEROS, data), np.log(2.0), rtol=1e-6)


def test_loss_matches_optax(data):
    params = Params(w=jnp.array([1.5, -0.5]), b=jnp.array(-0.3))
    expected = optax.sigmoid_binary_cross_entropy(logits(params, data.x), data.y).mean()
    np.testing.assert_allclose(loss(params, data), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("eta", "label", "expected"),
    [
        pytest.param(100.0, 1.0, 0.0, id="right+100"),
        pytest.param(100.0, 0.0, 100.0, id="wrong+100"),
        pytest.param(-100.0, 0.0, 0.0, id="right-100"),
        pytest.param(-100.0, 1.0, 100.0, id="wrong-100"),
    ],
)
def test_loss_is_finite_and_correct_at_extreme_logits(eta, label, expected):
    # One example with x = 1 and w = eta: the logit is eta exactly. By hand,
    # -log sigmoid(100) = log(1 + e^-100) ~ 4e-44 and -log(1 - sigmoid(100)) = 100 + 4e-44.
    one = Dataset(x=jnp.ones((1, 1)), y=jnp.array([label]))
    value = loss(Params(w=jnp.array([eta]), b=jnp.array(0.0)), one)
    assert np.isfinite(value)
    np.testing.assert_allclose(value, expected, rtol=1e-7, atol=1e-30)
    gradient = loss_grad(Params(w=jnp.array([eta]), b=jnp.array(0.0)), one)
    assert all(np.all(np.isfinite(g)) for g in gradient)


@pytest.mark.parametrize(
    "params",
    [ZEROS, Params(w=jnp.array([1.5, -0.5]), b=jnp.array(-0.3))],
    ids=["zeros", "nonzero"],
)
def test_closed_form_gradient_matches_jax_grad(data, params):
    by_hand = loss_grad(params, data)
    by_jax = jax.grad(loss)(params, data)
    assert isinstance(by_hand, Params)
    np.testing.assert_allclose(by_hand.w, by_jax.w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(by_hand.b, by_jax.b, rtol=1e-5, atol=1e-7)


def test_closed_form_gradient_matches_finite_differences(data):
    params = np.array([1.5, -0.5, -0.3])
    eps = 1e-6

    def f(theta: np.ndarray) -> float:
        return numpy_loss(Params(w=theta[:2], b=theta[2]), data)

    central = [(f(params + eps * e) - f(params - eps * e)) / (2 * eps) for e in np.eye(3)]
    gradient = loss_grad(Params(w=jnp.array(params[:2]), b=jnp.array(params[2])), data)
    np.testing.assert_allclose(flat(gradient), central, rtol=1e-4, atol=1e-6)


def test_accuracy_matches_numpy(data):
    params = Params(w=jnp.array([1.5, -0.5]), b=jnp.array(-0.3))
    x, y = np.asarray(data.x), np.asarray(data.y)
    expected = np.mean((x @ np.array([1.5, -0.5]) - 0.3 > 0) == (y == 1))
    np.testing.assert_allclose(accuracy(params, data), expected, rtol=1e-6)
    assert accuracy(params, data).dtype == np.float32


# --- Training --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "optimizer",
    [optax.adam(3e-2), optax.sgd(0.5)],
    ids=["adam", "sgd"],
)
def test_scan_training_equals_the_python_loop(data, optimizer):
    steps = 50
    trained, history = train(ZEROS, data, optimizer, steps=steps)

    step = make_step(optimizer)
    params, opt_state = ZEROS, optimizer.init(ZEROS)
    for t in range(steps):
        params, opt_state, entry = step(params, opt_state, data)
        np.testing.assert_allclose(entry.loss, history.loss[t], rtol=1e-6, err_msg=f"step {t}")
        np.testing.assert_allclose(entry.accuracy, history.accuracy[t], rtol=1e-6)
    np.testing.assert_allclose(flat(params), flat(trained), rtol=1e-6, atol=1e-7)


def test_history_has_one_entry_per_step_ending_at_the_returned_params(data):
    trained, history = train(ZEROS, data, optax.adam(3e-2), steps=30)
    assert isinstance(history, History)
    assert history.loss.shape == history.accuracy.shape == (30,)
    np.testing.assert_allclose(history.loss[-1], loss(trained, data), rtol=1e-6)
    np.testing.assert_allclose(history.accuracy[-1], accuracy(trained, data), rtol=1e-6)


def test_training_reduces_the_loss(data):
    _, history = train(ZEROS, data, optax.adam(3e-2), steps=200)
    assert history.loss[-1] < history.loss[0] < np.log(2.0)


def test_train_accepts_python_floats(data):
    from_floats, _ = train(Params(w=[0.0, 0.0], b=0.0), data, optax.adam(3e-2), steps=20)
    from_arrays, _ = train(ZEROS, data, optax.adam(3e-2), steps=20)
    np.testing.assert_allclose(flat(from_floats), flat(from_arrays), rtol=1e-6)


@pytest.mark.parametrize("steps", [0, -3, 2.0, True], ids=["zero", "negative", "float", "bool"])
def test_train_rejects_bad_steps(data, steps):
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1, got"):
        train(ZEROS, data, optax.adam(3e-2), steps=steps)


# --- Newton's method -------------------------------------------------------------------------


def test_newton_reaches_a_stationary_point(data):
    best = newton(ZEROS, data)
    assert np.linalg.norm(flat(loss_grad(best, data))) < 1e-5


def test_newton_matches_a_float64_numpy_newton(data):
    np.testing.assert_allclose(flat(newton(ZEROS, data)), numpy_newton(data), rtol=1e-4)


def test_adam_approaches_the_newton_optimum(data):
    best = newton(ZEROS, data)
    trained, _ = train(ZEROS, data, optax.adam(3e-2), steps=500)
    assert loss(best, data) <= loss(trained, data) + 1e-6
    assert abs(loss(trained, data) - loss(best, data)) < 1e-4


def test_newton_with_zero_steps_returns_the_start(data):
    start = Params(w=jnp.array([0.1, 0.2]), b=jnp.array(0.3))
    np.testing.assert_array_equal(flat(newton(start, data, steps=0)), flat(start))


def test_newton_converges_quadratically(data):
    best = flat(newton(ZEROS, data))
    errors = [np.linalg.norm(flat(newton(ZEROS, data, steps=k, tol=0.0)) - best) for k in (1, 2, 3)]
    # Quadratic convergence: each error is at most a constant times the square of the last.
    assert errors[2] < errors[1] < errors[0]
    assert errors[2] < 10 * errors[1] ** 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"steps": -1}, r"steps must be an integer >= 0, got -1", id="negative"),
        pytest.param({"steps": 1.5}, r"steps must be an integer >= 0, got 1\.5", id="float"),
        pytest.param({"tol": -1e-3}, r"tol must be a finite number >= 0, got -0\.001", id="tol"),
        pytest.param({"tol": float("nan")}, r"tol must be a finite number >= 0", id="nan"),
    ],
)
def test_newton_rejects_bad_arguments(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        newton(ZEROS, data, **kwargs)
