"""jax101.exercises: every exercise's reference solution passes, and a plausible wrong answer
written by hand fails with a hint that names the mistake.

The reference solutions live here, not in the package, so grading can never show them.
Each wrong answer is a mistake a learner makes; the test asserts that the grader's message
names it (a phrase of the expected hint), not merely that it fails.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import os
import re
import subprocess
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from booktools import ROOT
from jax import lax
from jax.experimental import checkify

import jax101
from jax101.exercises import EXERCISES, grade

# The chapters' solutions, as functions of their inputs.


def describe_runtime():
    devices = jax.devices()
    return {
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "n_devices": len(devices),
        "kinds": sorted({d.device_kind for d in devices}),
    }


def random_product(key):
    key_a, key_b = jax.random.split(key)
    with jax.default_device(jax.devices("cpu")[0]):
        a = jax.random.normal(key_a, (5, 3))
        b = jax.random.normal(key_b, (3, 4))
        return a, b, a @ b


def cube_slopes(ts):
    return jax.vmap(jax.grad(lambda t: t**3))(ts)


def make_identity(zeros):
    diagonal = jnp.arange(zeros.shape[0])
    return zeros.at[diagonal, diagonal].set(1.0)


def count_classes(labels):
    return jnp.zeros(5, dtype=jnp.int32).at[labels].add(1)


DTYPES = {
    "jnp.arange(3) + 1.5": jnp.float32,
    "int8 + 3": jnp.int8,
    "bfloat16 * 0.5": jnp.bfloat16,
    "bfloat16 * float32(0.5)": jnp.float32,
}


def lse_derivatives(x):
    p = jax.nn.softmax(x)
    return p, jnp.diag(p) - jnp.outer(p, p)


def jacobians(f, x):
    n_out = f(x).size
    columns = [jax.jvp(f, (x,), (e,))[1] for e in jnp.eye(x.size)]
    _, pull_back = jax.vjp(f, x)
    rows = [pull_back(e)[0] for e in jnp.eye(n_out)]
    return jnp.stack(columns, axis=1), jnp.stack(rows, axis=0)


def float64_best(dtype=jnp.float64):
    with jax.enable_x64(dtype == jnp.float64):
        xs = jnp.linspace(0.0, 2.0, 201, dtype=dtype)
        steps = jnp.logspace(-9, 0, 37, dtype=dtype)
        f = lambda t: t**2 + 7.0**t  # noqa: E731
        X, h = xs[:, None], steps[None, :]
        central = np.asarray((f(X + h) - f(X - h)) / (2 * h), np.float64)
        xs, steps = np.asarray(xs, np.float64), np.asarray(steps, np.float64)
    exact = 2 * xs + 7.0**xs * np.log(7.0)
    err = np.median(np.abs(central - exact[:, None]) / np.abs(exact[:, None]), axis=0)
    return {"best_step": float(steps[np.argmin(err)]), "best_error": float(err.min())}


def dist(p, q):
    return jnp.sqrt(jnp.sum((p - q) ** 2))


def pairwise(P, Q):
    return jax.vmap(jax.vmap(dist, in_axes=(None, 0)), in_axes=(0, None))(P, Q)


def products(Ms, v):
    return jax.vmap(jnp.matmul, in_axes=(0, None), out_axes=1)(Ms, v)


def example_loss(w, x, y):
    return (x @ w - y) ** 2


per_example_grad = jax.vmap(jax.grad(example_loss), in_axes=(None, 0, 0))


def grad_norms(w, X, y):
    return jnp.linalg.norm(per_example_grad(w, X, y), axis=1)


@jax.jit
def relu_jit(x):
    return jnp.where(x > 0, x, 0.0)


@jax.jit
def collatz_steps(n):
    def step(state):
        value, steps = state
        value = lax.cond(value % 2 == 0, lambda v: v // 2, lambda v: 3 * v + 1, value)
        return value, steps + 1

    return lax.while_loop(lambda state: state[0] != 1, step, (n, 0))[1]


def bmm_transposed(p, q):
    return lax.dot_general(p, q, dimension_numbers=(((2,), (2,)), ((0,), (0,))))


CHAIN = {
    "(A @ B) @ C": 2 * (64 * 256 * 256 + 64 * 256 * 4),
    "A @ (B @ C)": 2 * (256 * 256 * 4 + 64 * 256 * 4),
    "XLA reorders": False,
}


def census(closed_jaxpr):
    counts = collections.Counter()
    for eqn in getattr(closed_jaxpr, "jaxpr", closed_jaxpr).eqns:
        counts[eqn.primitive.name] += 1
        for param in eqn.params.values():
            for sub in param if isinstance(param, list | tuple) else [param]:
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    counts += census(inner)
    return counts


def ema_update(state, x, decay=0.9):
    state = decay * state + (1 - decay) * x
    return state, state


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PureCounter:
    n: jax.Array

    def increment(self):
        return PureCounter(n=self.n + 1)


def quadratic(params):
    return jnp.sum((params["w"] - jnp.array([1.0, -2.0, 0.5])) ** 2)


SGD = optax.sgd(0.05, momentum=0.9)


@jax.jit
def sgd_step(params, opt_state):
    updates, opt_state = SGD.update(jax.grad(quadratic)(params), opt_state, params)
    return optax.apply_updates(params, updates), opt_state


def run(params, opt_state, steps):
    for _ in range(steps):
        params, opt_state = sgd_step(params, opt_state)
    return params, opt_state


def train_with_checkpoint(params, *, keep_state=True):
    checkpoint = jax.tree.map(np.asarray, run(params, SGD.init(params), 15))
    params, opt_state = jax.tree.map(jnp.asarray, checkpoint)
    if not keep_state:
        opt_state = SGD.init(params)
    return run(params, opt_state, 15)


def grad_l2_by_hand(params, data, lam):
    g = jax101.loss_grad(params, data)
    return jax101.Params(w=g.w + lam * params.w, b=g.b)


NEEDED = {"adam(3e-2)": 121, "sgd(3e-2)": 1289, "sgd(1.0)": 37}  # the chapter's glued run


def mean_positive(u):
    mask = u > 0
    return jnp.where(mask, u, 0.0).sum() / jnp.maximum(mask.sum(), 1)


def f_safe(x):
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, 1.0)), 0.0)


def lookup(table, ids):
    return table.at[ids].get(mode="fill", fill_value=jnp.nan)


def newton_sqrt(a):
    return lax.while_loop(lambda y: jnp.abs(y * y - a) >= 1e-5 * a, lambda y: (y + a / y) / 2, a)


def newton_sqrt_fixed(a):
    return lax.fori_loop(0, 20, lambda i, y: (y + a / y) / 2, a)


def hat(x):
    return jnp.where(jnp.logical_and(x > -1, x < 1), 1 - jnp.abs(x), 0.0)


def safe_log(x):
    checkify.check(x > 0, "safe_log needs x > 0, got {x}", x=x)
    return jnp.log(x)


def dropout_mask(key, step, shape, keep=0.8):
    return jax.random.bernoulli(jax.random.fold_in(key, step), keep, shape)


def fraction_inside(key, n_points=4096):
    points = jax.random.uniform(key, (n_points, 2))
    return jnp.mean(jnp.sum(points**2, axis=1) < 1.0)


@jax.jit
def estimate_pi(root_key):
    return 4 * jnp.mean(jax.vmap(fraction_inside)(jax.random.split(root_key, 64)))


def noisy_line(key, n):
    k_x, k_noise = jax.random.split(key)
    x = jax.random.uniform(k_x, (n,), minval=-1.0, maxval=1.0)
    return x, 3.0 * x + 0.1 * jax.random.normal(k_noise, (n,))


def global_norm(tree):
    return jnp.sqrt(sum(jnp.sum(leaf**2) for leaf in jax.tree.leaves(tree)))


def momentum_step(params, velocity, grads, lr=0.1, beta=0.9):
    velocity = jax.tree.map(lambda v, g: beta * v + g, velocity, grads)
    return jax.tree.map(lambda p, v: p - lr * v, params, velocity), velocity


@jax.tree_util.register_pytree_node_class
class Affine:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def tree_flatten(self):
        return (self.w, self.b), None

    @classmethod
    def tree_unflatten(cls, static, children):
        return cls(*children)


@jax.custom_vjp
def clip_gradient(x, limit):
    return x


clip_gradient.defvjp(
    lambda x, limit: (x, limit), lambda limit, g: (jnp.clip(g, -limit, limit), None)
)


def plain_norm(x):
    return jnp.sqrt(jnp.sum(x**2))


@jax.custom_jvp
def safe_norm(x):
    return plain_norm(x)


@safe_norm.defjvp
def _safe_norm_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    norm = plain_norm(x)
    direction = jnp.where(norm > 0, x / jnp.where(norm > 0, norm, 1.0), 0.0)
    return norm, direction @ x_dot


def hessian_by_hvps(f, x):
    hvp = lambda v: jax.jvp(jax.grad(f), (x,), (v,))[1]  # noqa: E731
    return jax.vmap(hvp)(jnp.eye(x.size))


def sgd(params, grads):
    return jax.tree.map(lambda p, g: p - 0.1 * g, params, grads)


def scaled(scale, v):
    return jnp.sin(v) * scale


fixed_scaled = jax.jit(scaled, static_argnums=0)


def local_mean(block):
    return jax.lax.pmean(block.mean(axis=0), "data")


def gather(block):
    return jax.lax.all_gather(block, "data", tiled=True)


SOLUTIONS: dict[str, Any] = {
    "getting-started/1": describe_runtime,
    "getting-started/2": random_product,
    "getting-started/3": cube_slopes,
    "arrays/1": make_identity,
    "arrays/2": count_classes,
    "arrays/3": DTYPES,
    "autodiff/1": lse_derivatives,
    "autodiff/2": jacobians,
    "autodiff/3": float64_best(),
    "vmap/1": pairwise,
    "vmap/2": products,
    "vmap/3": grad_norms,
    "jit/1": relu_jit,
    "jit/2": 4,
    "jit/3": collatz_steps,
    "jaxprs/1": bmm_transposed,
    "jaxprs/2": CHAIN,
    "jaxprs/3": census,
    "explicit-state/1": ema_update,
    "explicit-state/2": PureCounter,
    "explicit-state/3": train_with_checkpoint,
    "logistic-regression/1": grad_l2_by_hand,
    "logistic-regression/2": NEEDED,
    "sharp-bits/1": mean_positive,
    "sharp-bits/2": f_safe,
    "sharp-bits/3": lookup,
    "control-flow/1": (newton_sqrt, newton_sqrt_fixed),
    "control-flow/2": hat,
    "control-flow/3": safe_log,
    "random/1": dropout_mask,
    "random/2": estimate_pi,
    "random/3": noisy_line,
    "pytrees/1": global_norm,
    "pytrees/2": momentum_step,
    "pytrees/3": Affine,
    "advanced-autodiff/1": clip_gradient,
    "advanced-autodiff/2": safe_norm,
    "advanced-autodiff/3": hessian_by_hvps,
    "performance/1": sgd,
    "performance/2": fixed_scaled,
}
NEEDS_DEVICES = {"parallelism/1", "parallelism/2"}  # graded in a subprocess with 8 devices


# Plausible wrong answers, each with a phrase its message must contain.


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class StaticCounter:
    n: int = dataclasses.field(metadata={"static": True})

    def increment(self):
        return StaticCounter(n=self.n + 1)


class UnregisteredAffine:
    def __init__(self, w, b):
        self.w, self.b = w, b


@jax.custom_vjp
def clip_both_ways(x, limit):
    return jnp.clip(x, -limit, limit)


clip_both_ways.defvjp(
    lambda x, limit: (jnp.clip(x, -limit, limit), limit),
    lambda limit, g: (jnp.clip(g, -limit, limit), None),
)


def noisy_line_buggy(key, n):
    x = jax.random.uniform(key, (n,), minval=-1.0, maxval=1.0)
    return x, 3.0 * x + 0.1 * jax.random.normal(key, (n,))


@functools.partial(jax.jit, static_argnums=0)
def collatz_static(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return jnp.asarray(steps)


def hvp_without_grad(f, x):
    return jax.vmap(lambda v: jax.jvp(f, (x,), (v,))[1])(jnp.eye(x.size))


WRONG: dict[str, tuple[str, Any, str]] = {
    "getting-started/1": (
        "kinds as a set",
        lambda: {**describe_runtime(), "kinds": {d.device_kind for d in jax.devices()}},
        "sorted list",
    ),
    "getting-started/2": (
        "one key for both matrices",
        lambda key: (
            a := jax.random.normal(key, (5, 3)),
            b := jax.random.normal(key, (3, 4)),
            a @ b,
        ),
        "drawn from one key",
    ),
    "getting-started/3": ("grad of a vector function", lambda ts: jnp.full_like(ts, 3.0), "vmap"),
    "arrays/1": (
        "one index array",
        lambda z: z.at[jnp.arange(z.shape[0])].set(1.0),
        "one index array selects whole rows",
    ),
    "arrays/2": (
        "set instead of add",
        lambda labels: jnp.zeros(5, jnp.int32).at[labels].set(1),
        ".set(1) writes once",
    ),
    "arrays/3": (
        "a weak scalar promotes",
        {**DTYPES, "bfloat16 * 0.5": jnp.float32},
        "weakly typed",
    ),
    "autodiff/1": (
        "elementwise p * p",
        lambda x: (jax.nn.softmax(x), jnp.diag(jax.nn.softmax(x) - jax.nn.softmax(x) ** 2)),
        "outer(p, p)",
    ),
    "autodiff/2": (
        "JVP columns stacked as rows",
        lambda f, x: (
            jnp.stack([jax.jvp(f, (x,), (e,))[1] for e in jnp.eye(x.size)]),
            jax.jacrev(f)(x),
        ),
        "axis=1",
    ),
    "autodiff/3": ("float32 by mistake", float64_best(jnp.float32), "enable_x64"),
    "vmap/1": (
        "in_axes swapped",
        jax.vmap(jax.vmap(dist, in_axes=(0, None)), in_axes=(None, 0)),
        "outer vmap decides the first axis",
    ),
    "vmap/2": (
        "no out_axes",
        jax.vmap(jnp.matmul, in_axes=(0, None)),
        "out_axes=1",
    ),
    "vmap/3": (
        "norm over the examples",
        lambda w, X, y: jnp.linalg.norm(per_example_grad(w, X, y), axis=0),
        "axis=1",
    ),
    "jit/1": ("Python if", lambda x: jnp.array([xi if xi > 0 else 0.0 for xi in x]), "jnp.where"),
    "jit/2": ("forgot the dtype", 3, "(shape, dtype, static value)"),
    "jit/3": (
        "n static",
        lambda n: collatz_static(int(n)),
        "no static_argnums",
    ),
    "jaxprs/1": (
        "an explicit transpose",
        lambda p, q: lax.dot_general(p, jnp.swapaxes(q, 1, 2), (((2,), (1,)), ((0,), (0,)))),
        "no transpose is needed",
    ),
    "jaxprs/2": (
        "multiply-adds as one flop",
        {**CHAIN, "(A @ B) @ C": CHAIN["(A @ B) @ C"] // 2},
        "2·m·k·n",
    ),
    "jaxprs/3": (
        "top level only",
        lambda c: collections.Counter(e.primitive.name for e in c.jaxpr.eqns),
        "only the top-level equations",
    ),
    "explicit-state/1": (
        "decay on the input",
        lambda s, x, decay=0.9: ((1 - decay) * s + decay * x,) * 2,
        "decay * state",
    ),
    "explicit-state/2": ("n static", StaticCounter, "not static metadata"),
    "explicit-state/3": (
        "momentum dropped",
        functools.partial(train_with_checkpoint, keep_state=False),
        "save and restore opt_state",
    ),
    "logistic-regression/1": (
        "bias penalized",
        lambda p, d, lam: jax.tree.map(lambda g, q: g + lam * q, jax101.loss_grad(p, d), p),
        "bias is not penalized",
    ),
    "logistic-regression/2": (
        "the SGD runs swapped",
        {**NEEDED, "sgd(3e-2)": NEEDED["sgd(1.0)"], "sgd(1.0)": NEEDED["sgd(3e-2)"]},
        "sgd(3e-2): 37 steps is not what this optimizer needs",
    ),
    "sharp-bits/1": (
        "0 / 0 for no positive entry",
        lambda u: jnp.where(u > 0, u, 0.0).sum() / (u > 0).sum(),
        "jnp.maximum(count, 1)",
    ),
    "sharp-bits/2": ("single where", lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0), "double where"),
    "sharp-bits/3": ("plain indexing", lambda t, i: t[i], "plain indexing clamps"),
    "control-flow/1": ("fixed version still a while loop", (newton_sqrt, newton_sqrt), "fori_loop"),
    "control-flow/2": (
        "Python and",
        lambda x: jnp.where(x > -1 and x < 1, 1 - jnp.abs(x), 0.0),
        "jnp.logical_and",
    ),
    "control-flow/3": (
        "message without the value",
        lambda x: (checkify.check(x > 0, "safe_log needs x > 0"), jnp.log(x))[1],
        "format it in",
    ),
    "random/1": (
        "same key every step",
        lambda key, step, shape, keep=0.8: jax.random.bernoulli(key, keep, shape),
        "fold_in",
    ),
    "random/2": (
        "one key for all walkers",
        jax.jit(lambda k: 4 * jnp.mean(jax.vmap(fraction_inside)(jnp.stack([k] * 64)))),
        "its own key",
    ),
    "random/3": ("the buggy version", noisy_line_buggy, "split the key"),
    "pytrees/1": (
        "sum of per-leaf norms",
        lambda t: sum(jnp.linalg.norm(jnp.ravel(leaf)) for leaf in jax.tree.leaves(t)),
        "not a sum of per-leaf norms",
    ),
    "pytrees/2": (
        "old velocity in the update",
        lambda p, v, g, lr=0.1, beta=0.9: (
            jax.tree.map(lambda a, b: a - lr * b, p, v),
            jax.tree.map(lambda a, b: beta * a + b, v, g),
        ),
        "*new* velocity",
    ),
    "pytrees/3": ("not registered", UnregisteredAffine, "register_pytree_node_class"),
    "advanced-autodiff/1": ("clipped forward too", clip_both_ways, "forward pass is the identity"),
    "advanced-autodiff/2": ("the plain norm", plain_norm, "0 / 0 at the origin"),
    "advanced-autodiff/3": (
        "JVP of f, not of its gradient",
        hvp_without_grad,
        "JVP of the gradient",
    ),
    "performance/1": ("no tree_map", lambda p, g: p - 0.1 * g, "jax.tree.map"),
    "performance/2": (
        "a new partial each call",
        lambda scale, v: jax.jit(functools.partial(scaled, scale))(v),
        "a new functools.partial",
    ),
}


@pytest.mark.parametrize("exercise_id", sorted(SOLUTIONS))
def test_the_reference_solution_passes(exercise_id, capsys):
    result = grade(exercise_id, SOLUTIONS[exercise_id])
    assert result.passed, result.message
    assert capsys.readouterr().out == f"{exercise_id} ✓ correct\n"


def test_a_method_jitted_before_grading_still_passes():
    # explicit-state asks the reader to jit PureCounter.increment before grading it; jit's
    # cache then serves the grader's five calls without compiling at all.
    jax.jit(PureCounter.increment)(PureCounter(n=jnp.array(0)))
    result = grade("explicit-state/2", PureCounter, quiet=True)
    assert result.passed, result.message


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_a_plausible_wrong_answer_fails_and_names_the_mistake(exercise_id, capsys):
    _, answer, phrase = WRONG[exercise_id]
    result = grade(exercise_id, answer)
    out = capsys.readouterr().out
    assert result.status == "wrong", out
    assert out.count("\n") == 1
    assert out.startswith(f"{exercise_id} ✗ ")
    assert phrase in result.message, result.message


def test_every_exercise_has_a_solution_and_a_wrong_answer():
    assert set(EXERCISES) == set(SOLUTIONS) | NEEDS_DEVICES == set(WRONG) | NEEDS_DEVICES


def exercises_in_chapters() -> dict[str, int]:
    """Count the exercises of each chapter: headings "**Exercise N" (or the older
    "**N." / "N. **" forms) in its "## Exercises" section."""
    counts = {}
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text()
        if "\n## Exercises" not in text:
            continue
        section = text.split("\n## Exercises", 1)[1].split("\n## ", 1)[0]
        found = re.findall(r"^(?:\*\*Exercise (\d+)|\*\*(\d+)\.|(\d+)\. \*\*)", section, re.M)
        counts[path.stem] = len(found)
    return counts


def test_the_registry_holds_every_exercise_of_the_chapters():
    in_chapters = exercises_in_chapters()
    registered = collections.Counter(e.chapter for e in EXERCISES.values())
    assert sum(in_chapters.values()) == len(EXERCISES)
    assert dict(registered) == in_chapters
    for chapter, n in in_chapters.items():
        assert {f"{chapter}/{i}" for i in range(1, n + 1)} <= set(EXERCISES)


def test_each_exercise_is_graded_in_its_chapter():
    for chapter in sorted({e.chapter for e in EXERCISES.values()}):
        text = (ROOT / "docs" / f"{chapter}.md").read_text()
        ids = sorted(e for e in EXERCISES if e.startswith(chapter + "/"))
        graded = [i for i in ids if f'grade("{i}", ' in text]
        assert graded == ids, f"{chapter}: no grading cell for {set(ids) - set(graded)}"
        checked = re.findall(r"jax101\.check\(\s*jax101\.exercises\.grade\(\"([^\"]+)\"", text)
        assert sorted(checked) == ids, f"{chapter}: reference solutions not checked"


def test_a_stub_is_not_answered_yet(capsys):
    def stub(p, q):
        raise NotImplementedError  # your code here

    assert grade("vmap/1", stub).status == "not answered"
    assert grade("vmap/1", lambda p, q: None).status == "not answered"
    assert grade("arrays/3", dict.fromkeys(DTYPES)).status == "not answered"
    assert grade("jaxprs/2", None).status == "not answered"
    assert capsys.readouterr().out.count("not answered yet") == 4


def test_an_unknown_id_names_the_chapters_exercises():
    with pytest.raises(KeyError, match="vmap/9: no such exercise; vmap has vmap/1 to vmap/3"):
        grade("vmap/9", pairwise)
    with pytest.raises(KeyError, match=r"chapters with exercises: .*vmap"):
        grade("nowhere/1", pairwise)


def test_an_answer_of_the_wrong_kind_says_what_was_expected(capsys):
    result = grade("vmap/1", jnp.ones((5, 4)))
    assert result.status == "wrong kind"
    assert "the answer should be a function pairwise(P, Q)" in result.message
    assert "got ArrayImpl" in capsys.readouterr().out
    assert grade("explicit-state/2", PureCounter(n=jnp.array(0))).status == "wrong kind"


def test_grading_never_prints_the_solution(capsys):
    for exercise_id, (_, answer, _) in WRONG.items():
        grade(exercise_id, answer)
    out = capsys.readouterr().out
    assert "def " not in out  # hints name an API, never a whole solution
    assert "121" not in out  # the measured step counts stay hidden
    assert "1289" not in out


PARALLEL = """
import jax, jax.numpy as jnp
from jax101.exercises import grade
mesh4 = jax.make_mesh((4,), ("data",), devices=jax.devices()[:4])
assert grade("parallelism/1", mesh4).passed
assert grade("parallelism/1", jax.make_mesh((8,), ("data",))).status == "wrong"
local_mean = lambda block: jax.lax.pmean(block.mean(axis=0), "data")
gather = lambda block: jax.lax.all_gather(block, "data", tiled=True)
assert grade("parallelism/2", (local_mean, gather)).passed
untiled = lambda block: jax.lax.all_gather(block, "data")
result = grade("parallelism/2", (local_mean, untiled))
assert result.status == "wrong" and "tiled=True" in result.message
no_pmean = lambda block: block.mean(axis=0)
assert "lax.pmean" in grade("parallelism/2", (no_pmean, gather)).message
"""


def test_the_parallelism_exercises_on_eight_devices():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
    result = subprocess.run(
        [sys.executable, "-c", PARALLEL], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_mesh_exercise_says_when_the_session_has_too_few_devices(capsys):
    """Outside the chapter (one CPU device here) the grader says what the session lacks."""
    assert jax.device_count() == 1  # the test process's CPU, as in a bare Python session
    result = grade("parallelism/1", jax.make_mesh((1,), ("data",)))
    assert result.status == "wrong"
    assert "this session has 1 device(s); the exercise needs four" in result.message
    assert 'jax.config.update("jax_num_cpu_devices", 8)' in capsys.readouterr().out
