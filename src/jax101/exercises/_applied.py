"""Graders of explicit-state, logistic-regression and sharp-bits."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jax101._checks import count_compilations
from jax101._data import make_dataset
from jax101._logreg import Params, loss

from ._core import (
    NotAnswered,
    Wrong,
    WrongKind,
    call,
    exercise,
    expect_close,
    need_callable,
)

# explicit-state


@exercise(
    "explicit-state/1",
    "An exponential moving average",
    "a function ema_update(state, x, decay=0.9) returning (new_state, new_state)",
)
def _ema(answer: Any) -> None:
    fn = need_callable(answer)
    hint_tuple = "lax.scan's body returns (carry, output): return the new state twice."
    first = call(fn, jnp.array(0.0), jnp.array(1.0))
    if not isinstance(first, tuple) or len(first) != 2:
        raise Wrong("ema_update returned one value, not (carry, output).", hint_tuple)
    for decay in (0.9, 0.5):

        def body(s: jax.Array, x: jax.Array, d: float = decay) -> Any:
            return call(fn, s, x, decay=d)

        final, path = jax.lax.scan(body, jnp.array(0.0), jnp.ones(20))
        expect_close(
            path,
            1 - decay ** np.arange(1, 21),
            f"the path with decay={decay} from 0 over ones",
            "the new state is decay * state + (1 - decay) * x.",
            rtol=1e-5,
        )
        expect_close(final, 1 - decay**20, "the final carry", hint_tuple, rtol=1e-5)


@exercise(
    "explicit-state/2",
    "A counter that survives jit",
    "a pytree class (e.g. a registered dataclass) PureCounter(n=...) with a pure increment()",
)
def _counter(answer: Any) -> None:
    if not isinstance(answer, type):
        raise WrongKind(f"got {type(answer).__name__}, not a class")
    if not hasattr(answer, "increment"):
        raise Wrong("the class has no method increment.")
    cls: Any = answer
    first: Any = call(answer, n=jnp.array(0))
    leaves = jax.tree.leaves(first)
    if not leaves:
        raise Wrong(
            "the counter is a pytree without leaves: n is static metadata.",
            "make n a data field (a leaf), not static metadata, so jit traces it.",
        )
    if len(leaves) != 1 or leaves[0] is not first.n:
        raise Wrong(
            "the counter is not a pytree whose leaf is n.",
            "register it: @jax.tree_util.register_dataclass on a dataclass with field n.",
        )
    increment = jax.jit(answer.increment)
    counter: Any = first
    counts: list[int] = []
    with count_compilations() as seen:
        for _ in range(5):
            counter = call(increment, counter)
            if type(counter) is not cls:
                raise Wrong(
                    f"increment returned a {type(counter).__name__}, expected a "
                    f"new {answer.__name__}.",
                    "return type(self)(n=self.n + 1), a new counter.",
                )
            counts.append(int(counter.n))
    if counts != [1, 2, 3, 4, 5]:
        raise Wrong(f"five increments gave {counts}, expected 1 to 5.")
    if int(first.n) != 0:
        raise Wrong("the original counter changed.", "return a new counter; never mutate.")
    if seen.count > 1:  # 0 when jit's cache holds the method, jitted before grading
        raise Wrong(
            f"five calls compiled {seen.count} times, expected at most once.",
            "make n a data field (a leaf), not static metadata.",
        )


def _quadratic(params: dict[str, jax.Array]) -> jax.Array:
    return jnp.sum((params["w"] - jnp.array([1.0, -2.0, 0.5])) ** 2)


@functools.cache
def _sgd_runs() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    sgd = optax.sgd(0.05, momentum=0.9)

    @jax.jit
    def step(params: Any, state: Any) -> Any:
        updates, state = sgd.update(jax.grad(_quadratic)(params), state, params)
        return optax.apply_updates(params, updates), state

    def run(params: Any, state: Any, steps: int) -> Any:
        for _ in range(steps):
            params, state = step(params, state)
        return params, state

    p0 = {"w": jnp.zeros(3)}
    straight = run(p0, sgd.init(p0), 30)[0]["w"]
    halfway = run(p0, sgd.init(p0), 15)[0]
    restarted = run(halfway, sgd.init(halfway), 15)[0]["w"]
    return np.asarray(straight), np.asarray(restarted)


@exercise(
    "explicit-state/3",
    "Resume from a checkpoint",
    "a function train_with_checkpoint(params) returning the final (params, opt_state)",
)
def _resume(answer: Any) -> None:
    fn = need_callable(answer)
    result = call(fn, {"w": jnp.zeros(3)})
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong("train_with_checkpoint should return the pair (params, opt_state).")
    params = result[0]
    if not isinstance(params, dict) or "w" not in params:
        raise Wrong("the params should be a dict {'w': ...} like the chapter's.")
    straight, restarted = _sgd_runs()
    got = np.asarray(params["w"])
    if got.shape == straight.shape and np.allclose(got, restarted, rtol=1e-6):
        raise Wrong(
            "the run matches one whose momentum restarted from zero at the checkpoint.",
            "save and restore opt_state with the params: momentum is optimizer state.",
        )
    expect_close(
        got,
        straight,
        "the resumed params",
        "15 steps, a NumPy round trip of (params, opt_state), 15 more steps of "
        "optax.sgd(0.05, momentum=0.9) on the quadratic.",
        rtol=1e-6,
        atol=1e-7,
    )


# logistic-regression


def _random_params(seed: int) -> Params:
    key_w, key_b = jax.random.split(jax.random.key(seed))
    return Params(w=jax.random.normal(key_w, (2,)), b=jax.random.normal(key_b, ()))


@exercise(
    "logistic-regression/1",
    "L2 regularization",
    "a function grad_l2_by_hand(params, data, lam) returning the Params gradient of "
    "loss + lam/2 |w|²",
)
def _l2(answer: Any) -> None:
    fn = need_callable(answer)
    data = make_dataset(64, jnp.array([2.0, -1.0]), -0.8, key=jax.random.key(4))
    for seed, lam in ((1, 0.1), (2, 0.5)):
        params = _random_params(seed)
        want = _l2_gradient(params, data, lam)
        got = call(fn, params, data, lam)
        if not isinstance(got, Params):
            raise Wrong(f"the gradient is a {type(got).__name__}, expected Params.")
        expect_close(
            got.b,
            want.b,
            f"the bias gradient at lam={lam}",
            "the bias is not penalized: its gradient is the data term's alone.",
            rtol=1e-5,
        )
        expect_close(
            got.w,
            want.w,
            f"the weight gradient at lam={lam}",
            "the penalty lam/2 |w|² adds lam * w (not 2 lam w) to the data gradient.",
            rtol=1e-5,
        )


@jax.jit  # one compilation, not one per eager operation of each call
def _l2_gradient(params: Params, data: Any, lam: float) -> Params:
    """The gradient of ``loss + lam/2 |w|²``, by ``jax.grad``."""
    gradient: Params = jax.grad(lambda p: loss(p, data) + 0.5 * lam * jnp.sum(p.w**2))(params)
    return gradient


def _np_loss_grad(
    theta: np.ndarray[Any, Any], x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]
) -> tuple[float, np.ndarray[Any, Any]]:
    eta = x @ theta[:2] + theta[2]
    value = float(np.mean(np.logaddexp(0.0, eta) - y * eta))
    residual = 1 / (1 + np.exp(-eta)) - y
    grad = np.concatenate([x.T @ residual, [residual.sum()]]) / len(y)
    return value, grad


@functools.cache
def _steps_needed() -> dict[str, int | None]:
    """Steps to reach the optimum + 1e-3 for each optimizer, in float64 NumPy."""
    data = make_dataset(512, jnp.array([2.0, -1.0]), -0.8, key=jax.random.key(0))
    x, y = np.asarray(data.x, np.float64), np.asarray(data.y, np.float64)
    theta = np.zeros(3)
    for _ in range(30):  # Newton's method for the optimum
        eta = x @ theta[:2] + theta[2]
        s = 1 / (1 + np.exp(-eta))
        xb = np.hstack([x, np.ones((len(y), 1))])
        hessian = (xb * (s * (1 - s))[:, None]).T @ xb / len(y)
        theta = theta - np.linalg.solve(hessian, _np_loss_grad(theta, x, y)[1])
    target = _np_loss_grad(theta, x, y)[0] + 1e-3

    def needed(kind: str, lr: float) -> int | None:
        t, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
        g = _np_loss_grad(t, x, y)[1]
        for k in range(1, 2001):
            if kind == "sgd":
                t = t - lr * g
            else:
                m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
                m_hat, v_hat = m / (1 - 0.9**k), v / (1 - 0.999**k)
                t = t - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
            value, g = _np_loss_grad(t, x, y)
            if value <= target:
                return k
        return None

    return {
        "adam(3e-2)": needed("adam", 3e-2),
        "sgd(3e-2)": needed("sgd", 3e-2),
        "sgd(1.0)": needed("sgd", 1.0),
    }


@exercise(
    "logistic-regression/2",
    "Adam or plain gradient descent?",
    "a dict of steps needed, keys 'adam(3e-2)', 'sgd(3e-2)', 'sgd(1.0)'",
)
def _optimizers(answer: Any) -> None:
    if not isinstance(answer, dict):
        raise WrongKind(f"got {type(answer).__name__}")
    keys = ("adam(3e-2)", "sgd(3e-2)", "sgd(1.0)")
    if any(answer.get(key) is None for key in keys):
        raise NotAnswered
    reference = _steps_needed()
    for key in keys:
        want = reference[key]
        got = answer[key]
        if not isinstance(got, int | np.integer) or want is None:
            raise Wrong(f"{key}: {got!r} is not a number of steps.")
        if abs(int(got) - want) > 2 + 0.02 * want:
            raise Wrong(
                f"{key}: {got} steps is not what this optimizer needs.",
                "train from `start` with jax101.train(..., steps=2000) and take the first "
                "step (counted from 1) whose loss is within 1e-3 of the optimum.",
            )


# sharp-bits


@exercise(
    "sharp-bits/1",
    "The mean of the positive entries, under jit",
    "a function mean_positive(v) that works under jax.jit",
)
def _mean_positive(answer: Any) -> None:
    fn = jax.jit(need_callable(answer))
    hint_jit = "boolean indexing makes a shape that depends on values; use a mask."
    for case in ([-1.0, 2.0, -3.0, 4.0], [5.0, 1.0, 0.5], [0.0, 3.0]):
        c = np.array(case)
        expect_close(
            call(fn, jnp.array(case), hint=hint_jit),
            c[c > 0].mean(),
            f"mean_positive({case})",
            "sum the positive entries (jnp.where(v > 0, v, 0)) and divide by their "
            "count, not by len(v).",
            rtol=1e-6,
        )
    expect_close(
        call(fn, jnp.array([-1.0, -2.0])),
        0.0,
        "mean_positive([-1.0, -2.0])",
        "with no positive entry the count is 0 and 0 / 0 is NaN: divide by jnp.maximum(count, 1).",
    )


@exercise(
    "sharp-bits/2",
    "A NaN in a gradient",
    "a function f_safe(x): sqrt(x) for x > 0, else 0, with a finite gradient at 0",
)
def _f_safe(answer: Any) -> None:
    fn = need_callable(answer)
    points = jnp.array([0.0, 0.25, 4.0, -1.0])
    expect_close(
        call(jax.vmap(fn), points),
        [0.0, 0.5, 2.0, 0.0],
        "f_safe at [0, 0.25, 4, -1]",
        "sqrt(x) where x > 0, 0 elsewhere.",
    )
    expect_close(
        call(jax.vmap(jax.grad(fn)), points),
        [0.0, 1.0, 0.25, 0.0],
        "the gradient at [0, 0.25, 4, -1]",
        "the gradient flows through both branches of jnp.where, and 0 · inf is NaN: "
        "replace x by a safe value before sqrt in the branch not taken (a double where).",
    )


@exercise(
    "sharp-bits/3",
    "An embedding lookup with a bad id",
    "a function lookup(table, ids) returning NaN rows for ids out of range",
)
def _lookup(answer: Any) -> None:
    fn = need_callable(answer)
    table = jnp.arange(8.0).reshape(4, 2)
    for ids in ([0, 3, 7, 1], [5, 2, 4]):
        rows = np.asarray(call(jax.jit(fn), table, jnp.array(ids)))
        want = np.array([np.asarray(table)[i] if i < 4 else [np.nan] * 2 for i in ids])
        if rows.shape != want.shape:
            raise Wrong(f"lookup(table, {ids}) has shape {rows.shape}, not {want.shape}.")
        bad = [i for i, row in zip(ids, rows, strict=True) if i >= 4 and not np.isnan(row).all()]
        if bad:
            raise Wrong(
                f"the row for id {bad[0]} is not NaN (out of range for 4 rows).",
                "plain indexing clamps; ask for a fill: table.at[ids].get(mode='fill', "
                "fill_value=jnp.nan).",
            )
        expect_close(rows, want, f"lookup(table, {ids})", "valid ids return their rows.")
