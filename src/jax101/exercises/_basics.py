"""Graders of the first chapters: getting-started, arrays, autodiff, vmap, jit, jaxprs."""

from __future__ import annotations

import collections
import importlib.metadata
from collections.abc import Callable
from typing import Any

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np
from jax import lax

from jax101._checks import count_compilations

from ._core import (
    NotAnswered,
    Wrong,
    WrongKind,
    call,
    exercise,
    expect_close,
    expect_shape,
    need_callable,
)

# getting-started


@exercise(
    "getting-started/1",
    "Describe your runtime",
    "a function describe_runtime() returning a dict with jax, backend, n_devices, kinds",
)
def _describe_runtime(answer: Any) -> None:
    info = call(need_callable(answer))
    if not isinstance(info, dict):
        raise Wrong(f"describe_runtime() returned a {type(info).__name__}, not a dict.")
    missing = {"jax", "backend", "n_devices", "kinds"} - set(info)
    if missing:
        raise Wrong(f"the dict lacks the keys {sorted(missing)}.")
    installed = importlib.metadata.version("jax")
    if info["jax"] != installed:
        raise Wrong(
            f"'jax' is {info['jax']!r}, the installed package is {installed!r}.",
            "use jax.__version__ (a string).",
        )
    ran_on = next(iter((jnp.ones(3) * 2).devices()))
    if info["backend"] != ran_on.platform:
        raise Wrong(
            f"'backend' is {info['backend']!r}, computations run on {ran_on.platform!r}.",
            "use jax.default_backend().",
        )
    if info["n_devices"] != jax.device_count():
        raise Wrong(
            f"'n_devices' is {info['n_devices']!r}, expected {jax.device_count()}.",
            "count the devices: len(jax.devices()), an int.",
        )
    kinds = sorted({d.device_kind for d in jax.devices()})
    if not isinstance(info["kinds"], list) or info["kinds"] != kinds:
        raise Wrong(
            f"'kinds' is {info['kinds']!r}, expected the sorted list of distinct kinds.",
            "sorted() of a set of d.device_kind gives a list without repeats.",
        )


@exercise(
    "getting-started/2",
    "A matrix product on a chosen device",
    "a function random_product(key) returning (a, b, a @ b) computed on the CPU",
)
def _random_product(answer: Any) -> None:
    fn = need_callable(answer)
    result = call(fn, jax.random.key(42))
    if not isinstance(result, tuple) or len(result) != 3:
        raise Wrong("random_product(key) should return the tuple (a, b, product).")
    a, b, product = result
    expect_shape(a, (5, 3), "a")
    expect_shape(b, (3, 4), "b")
    expect_shape(product, (5, 4), "the product", "(5, 3) @ (3, 4) is (5, 4).")
    cpu = jax.devices("cpu")[0]
    if not isinstance(product, jax.Array) or product.devices() != {cpu}:
        where = product.devices() if isinstance(product, jax.Array) else "not a jax.Array"
        raise Wrong(
            f"the product lives on {where}, expected {{{cpu}}}.",
            "create the matrices inside `with jax.default_device(jax.devices('cpu')[0]):`.",
        )
    a_np, b_np = np.asarray(a), np.asarray(b)
    expect_close(product, a_np @ b_np, "the product", "multiply with a @ b.", rtol=1e-5)
    if np.array_equal(a_np.ravel()[:12], b_np.ravel()[:12]):
        raise Wrong(
            "a and b start with the same numbers: they were drawn from one key.",
            "split the key: key_a, key_b = jax.random.split(key).",
        )
    again = call(fn, jax.random.key(42))
    if not np.array_equal(np.asarray(again[2]), np.asarray(product)):
        raise Wrong(
            "two calls with the same key gave different products.",
            "draw every random number from the key passed in, not a global seed.",
        )
    other = call(fn, jax.random.key(7))
    if np.array_equal(np.asarray(other[0]), a_np):
        raise Wrong("a different key gave the same matrices.", "derive a and b from `key`.")


@exercise(
    "getting-started/3",
    "Derivatives of a cube, many at once",
    "a function slopes(ts) returning g'(t) = 3t² at every point of a 1-D array",
)
def _cube_slopes(answer: Any) -> None:
    fn = need_callable(answer)
    ts = jnp.linspace(-1.0, 1.0, 11)
    got = call(fn, ts)
    expect_close(
        got,
        3 * np.asarray(ts) ** 2,
        "slopes(linspace(-1, 1, 11))",
        "map the gradient of the scalar function over the points: jax.vmap(jax.grad(g)).",
    )
    other = jnp.array([2.0, -3.0, 0.5])
    expect_close(
        call(fn, other),
        3 * np.asarray(other) ** 2,
        "slopes([2, -3, 0.5])",
        "compute from the points passed in, not a fixed grid.",
    )


# arrays


@exercise(
    "arrays/1",
    "An identity matrix, functionally",
    "a function make_identity(zeros) returning the n x n identity from an n x n zeros",
)
def _identity(answer: Any) -> None:
    fn = need_callable(answer)
    for n in (4, 3):
        zeros = jnp.zeros((n, n))
        got = call(
            fn,
            zeros,
            hint="JAX arrays are immutable: use zeros.at[rows, cols].set(1.0).",
        )
        expect_close(
            got,
            np.eye(n),
            f"make_identity(jnp.zeros(({n}, {n})))",
            "one index array selects whole rows; pass the diagonal's rows and columns: "
            ".at[i, i] with i = jnp.arange(n), n from zeros.shape.",
        )
        if np.asarray(zeros).any():
            raise Wrong("the zeros matrix changed.")


@exercise(
    "arrays/2",
    "A histogram without a loop",
    "a function count_classes(labels) returning the 5 counts of labels 0 to 4 (int)",
)
def _histogram(answer: Any) -> None:
    fn = need_callable(answer)
    labels = jax.random.randint(jax.random.key(3), (200,), 0, 5)
    got = call(fn, labels)
    expect_close(
        got,
        np.bincount(np.asarray(labels), minlength=5),
        "count_classes(labels)",
        "x.at[labels].add(1) adds once per occurrence; .set(1) writes once per class.",
    )
    if not jnp.issubdtype(jnp.asarray(got).dtype, jnp.integer):
        raise Wrong(
            f"the counts have dtype {jnp.asarray(got).dtype}, expected an integer dtype.",
            "start from jnp.zeros(5, dtype=jnp.int32).",
        )
    few = jnp.array([4, 4, 4])
    expect_close(
        call(fn, few),
        [0, 0, 0, 0, 3],
        "count_classes([4, 4, 4])",
        "keep all five classes (length 5) even when some never occur.",
    )


_DTYPE_CASES: dict[str, Callable[[], jax.Array]] = {
    "jnp.arange(3) + 1.5": lambda: jnp.arange(3) + 1.5,
    "int8 + 3": lambda: jnp.ones(2, dtype=jnp.int8) + 3,
    "bfloat16 * 0.5": lambda: jnp.ones(2, dtype=jnp.bfloat16) * 0.5,
    "bfloat16 * float32(0.5)": lambda: jnp.ones(2, dtype=jnp.bfloat16) * jnp.float32(0.5),
}


@exercise(
    "arrays/3",
    "Predict the dtype",
    "a dict of predicted dtypes with keys " + ", ".join(map(repr, _DTYPE_CASES)),
)
def _predict_dtypes(answer: Any) -> None:
    if not isinstance(answer, dict):
        raise WrongKind(f"got {type(answer).__name__}")
    missing = set(_DTYPE_CASES) - set(answer)
    if missing:
        raise Wrong(f"no prediction for {sorted(missing)}.")
    if any(answer[key] is None for key in _DTYPE_CASES):
        raise NotAnswered
    for key, make in _DTYPE_CASES.items():
        observed = make().dtype
        try:
            predicted = jnp.dtype(answer[key])
        except TypeError as error:
            raise Wrong(f"{key}: {answer[key]!r} is not a dtype.") from error
        if predicted != observed:
            raise Wrong(
                f"{key}: predicted {predicted.name}, wrong.",
                "a Python scalar is weakly typed and adapts to the array's dtype; "
                "a NumPy or JAX scalar is strongly typed and promotes; "
                "an int array meeting a float becomes the default float.",
            )


# autodiff


@exercise(
    "autodiff/1",
    "The gradient of log-sum-exp",
    "a function lse_derivatives(x) returning (gradient, Hessian) from your hand formulas",
)
def _lse(answer: Any) -> None:
    fn = need_callable(answer)

    def lse(x: jax.Array) -> jax.Array:
        return jax.nn.logsumexp(x)

    # Jitted: eager jax.hessian compiles each of its small operations (seconds in a chapter).
    grad_lse, hessian_lse = jax.jit(jax.grad(lse)), jax.jit(jax.hessian(lse))
    for point in ([0.3, -1.2, 2.0, 0.0], [1.0, 2.0, 3.0], [100.0, 101.0, 99.0]):
        x = jnp.array(point)
        result = call(fn, x)
        if not isinstance(result, tuple) or len(result) != 2:
            raise Wrong("lse_derivatives(x) should return the pair (gradient, Hessian).")
        grad, hess = result
        where = f"at x = {point}"
        hint_big = (
            " softmax computed as exp(x) / sum(exp(x)) overflows for large x; "
            "subtract max(x) first or use jax.nn.softmax."
            if point[0] == 100.0
            else ""
        )
        expect_close(
            grad,
            grad_lse(x),
            f"the gradient {where}",
            "the gradient of lse is softmax(x)." + hint_big,
            rtol=1e-4,
        )
        n = len(point)
        expect_shape(hess, (n, n), f"the Hessian {where}", "p p^T is an outer product.")
        expect_close(
            hess,
            hessian_lse(x),
            f"the Hessian {where}",
            "differentiate p_i = exp(x_i) / s once more: p_i δ_ij - p_i p_j, "
            "i.e. diag(p) - outer(p, p)." + hint_big,
            rtol=1e-4,
            atol=1e-6,
        )


@exercise(
    "autodiff/2",
    "Jacobians by hand from JVPs and VJPs",
    "a function jacobians(f, x) returning (J from jax.jvp columns, J from jax.vjp rows)",
)
def _jacobians(answer: Any) -> None:
    fn = need_callable(answer)
    # Inputs from NumPy and a jitted reference: eager jax.random and jacfwd compile every
    # small operation, which would cost the chapter a second of its time budget.
    rng = np.random.default_rng(5)
    A = jnp.asarray(rng.standard_normal((6, 3), dtype=np.float32))
    b = jnp.asarray(np.linspace(-1.0, 1.0, 6, dtype=np.float32))

    def layer(x: jax.Array) -> jax.Array:
        return jax.nn.sigmoid(A @ x + b)

    x = jnp.asarray(rng.standard_normal(3, dtype=np.float32))
    result = call(fn, layer, x)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong("jacobians(f, x) should return the pair (from JVPs, from VJPs).")
    reference = jax.jit(jax.jacfwd(layer))(x)
    for name, got, hint in (
        (
            "the Jacobian from JVPs",
            result[0],
            "a JVP with tangent e_j is column j: stack the columns with axis=1.",
        ),
        (
            "the Jacobian from VJPs",
            result[1],
            "the VJP of e_i is row i: stack the rows with axis=0; take e_i of the output's size.",
        ),
    ):
        expect_close(
            got,
            reference,
            f"{name} of a 6 x 3 function",
            hint + " Take the sizes from x and f(x), not from the chapter's 10 x 3.",
            rtol=1e-5,
            atol=1e-7,
        )


def _cube_and_power(t: jax.Array) -> jax.Array:
    """The function of the chapter's finite-difference experiment."""
    return t**2 + 7.0**t


def _float64_errors(steps: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    xs = np.linspace(0.0, 2.0, 201)
    exact = 2 * xs + 7.0**xs * np.log(7.0)
    with jax.enable_x64():
        x = jnp.asarray(xs)[:, None]
        h = jnp.asarray(steps)[None, :]
        central = np.asarray((_cube_and_power(x + h) - _cube_and_power(x - h)) / (2 * h))
    errors: np.ndarray[Any, Any] = np.median(
        np.abs(central - exact[:, None]) / np.abs(exact[:, None]), axis=0
    )
    return errors


@exercise(
    "autodiff/3",
    "Finite differences in float64",
    'a dict {"best_step": h, "best_error": e} measured in float64',
)
def _float64_steps(answer: Any) -> None:
    if not isinstance(answer, dict):
        raise WrongKind(f"got {type(answer).__name__}")
    if answer.get("best_step") is None or answer.get("best_error") is None:
        raise NotAnswered
    steps = np.logspace(-9, 0, 37)
    errors = _float64_errors(steps)
    best_h, best_err = float(steps[np.argmin(errors)]), float(errors.min())
    predicted = np.finfo(np.float64).eps ** (1 / 3)
    h, err = float(answer["best_step"]), float(answer["best_error"])
    if not predicted / 30 <= h <= predicted * 30:
        raise Wrong(
            f"best_step {h:.1e} is not within 30x of eps^(1/3) = {predicted:.1e}.",
            "run the whole experiment inside `with jax.enable_x64():` (check the dtype "
            "is float64), over steps down to 1e-9.",
        )
    if not best_err / 10 <= err <= best_err * 10:
        raise Wrong(
            f"best_error {err:.1e} is not the float64 error at the best step.",
            "take the median relative error over the points at each step, then its "
            "minimum over the steps.",
        )
    if not h / 10 <= best_h <= h * 10:
        raise Wrong(f"best_step {h:.1e} is far from the measured best step.")


# vmap


@exercise(
    "vmap/1",
    "Pairwise distances by nesting vmap",
    "a function pairwise(P, Q) returning the (len(P), len(Q)) matrix of distances",
)
def _pairwise(answer: Any) -> None:
    fn = need_callable(answer)
    key_p, key_q = jax.random.split(jax.random.key(8))
    for dim in (2, 3):
        P = jax.random.normal(key_p, (5, dim))
        Q = jax.random.normal(key_q, (4, dim))
        P_np, Q_np = np.asarray(P), np.asarray(Q)
        D = np.sqrt(((P_np[:, None, :] - Q_np[None, :, :]) ** 2).sum(axis=-1))
        expect_close(
            call(fn, P, Q),
            D,
            f"pairwise(P, Q) for {dim}-D points",
            "the outer vmap decides the first axis: map over q inside "
            "(in_axes=(None, 0)), then over p outside (in_axes=(0, None)); "
            "dist sums over the coordinates.",
            rtol=1e-5,
        )


@exercise(
    "vmap/2",
    "A stack of matrices, one vector, examples as columns",
    "a function products(Ms, v) returning every Ms[i] @ v as the columns of a matrix",
)
def _columns(answer: Any) -> None:
    fn = need_callable(answer)
    for batch in (5, 2):
        Ms = jnp.arange(batch * 12.0).reshape(batch, 3, 4) / 60
        v = jnp.array([1.0, -1.0, 2.0, 0.5])
        expect_close(
            call(fn, Ms, v),
            np.einsum("bij,j->ib", np.asarray(Ms), np.asarray(v)),
            f"products(Ms, v) for {batch} matrices",
            "map over Ms only (in_axes=(0, None)) and put the mapped axis last with out_axes=1.",
            rtol=1e-6,
        )


@exercise(
    "vmap/3",
    "Per-example gradient norms",
    "a function grad_norms(w, X, y) returning one gradient norm per example",
)
def _grad_norms(answer: Any) -> None:
    fn = need_callable(answer)
    key_w, key_x, key_y = jax.random.split(jax.random.key(9), 3)
    w = jax.random.normal(key_w, (3,))
    X = jax.random.normal(key_x, (7, 3))
    y = jax.random.normal(key_y, (7,))
    residual = np.asarray(X) @ np.asarray(w) - np.asarray(y)
    expect_close(
        call(fn, w, X, y),
        2 * np.abs(residual) * np.linalg.norm(np.asarray(X), axis=1),
        "grad_norms(w, X, y) for 7 examples",
        "per_example_grad gives one gradient per row; take each row's norm "
        "(axis=1), not the norm of the mean gradient or of each feature.",
        rtol=1e-5,
    )


# jit


@exercise(
    "jit/1",
    "A branch that compiles",
    "a function relu_jit(x) that works under jax.jit",
)
def _relu(answer: Any) -> None:
    fn = need_callable(answer)
    hint = "a Python `if` needs a concrete value; choose elementwise with jnp.where."
    for x in (
        jnp.array([-2.0, -0.5, 0.0, 1.5, 3.0]),
        jnp.array([[-1.0, 2.0], [3.0, -4.0]]),
    ):
        got = call(jax.jit(fn), x, hint=hint)
        expect_close(got, np.maximum(np.asarray(x), 0.0), f"relu_jit({x.tolist()})", hint)
        if jnp.asarray(got).dtype != x.dtype:
            raise Wrong(f"the result has dtype {jnp.asarray(got).dtype}, not {x.dtype}.")


@exercise(
    "jit/2",
    "Predict the compilations",
    "an int: how many times `scale` compiles in the five calls",
)
def _predict_compiles(answer: Any) -> None:
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise WrongKind(f"got {type(answer).__name__}")
    scale = jax.jit(lambda x, factor: x * factor, static_argnames="factor")
    x3, x4 = jnp.ones(3), jnp.ones(4)
    x3_int = x3.astype(jnp.int32)
    with count_compilations() as seen:
        for x_in, factor in [(x3, 2.0), (x3, 2.0), (x3, 3.0), (x4, 2.0), (x3_int, 2.0)]:
            scale(x_in, factor=factor)
    if answer != seen.count:
        raise Wrong(
            f"{answer} is not the number of compilations.",
            "a call compiles when its (shape, dtype, static value) combination is new; "
            "go through the five calls one by one.",
        )


def _collatz(n: int) -> int:
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@exercise(
    "jit/3",
    "The Collatz sequence under jit",
    "a jitted function collatz_steps(n) returning the number of steps to reach 1",
)
def _collatz_steps(answer: Any) -> None:
    fn = need_callable(answer)
    hint = "Python `while`/`if` on a traced value fail; use lax.while_loop and lax.cond."
    starts = list(jnp.arange(1, 31))
    call(fn, starts[6], hint=hint)  # compile outside the count
    with count_compilations() as seen:
        got = [int(call(fn, s, hint=hint)) for s in starts]
    want = [_collatz(k) for k in range(1, 31)]
    wrong = [(k, g, w) for k, g, w in zip(range(1, 31), got, want, strict=True) if g != w]
    if wrong:
        k, g, w = wrong[0]
        raise Wrong(
            f"collatz_steps({k}) is {g}, expected {w}.",
            "count one step per update, stop when the value is 1 (0 steps from 1).",
        )
    if seen.count:
        raise Wrong(
            f"thirty calls with int32 scalars compiled {seen.count} more times.",
            "jit the function and keep n a traced argument (no static_argnums).",
        )


# jaxprs


@exercise(
    "jaxprs/1",
    "A batched product with a transpose",
    "a function bmm_transposed(p, q) built from one lax.dot_general",
)
def _bmm(answer: Any) -> None:
    fn = need_callable(answer)
    P = jnp.arange(24.0).reshape(4, 2, 3)
    Q = jnp.arange(60.0).reshape(4, 5, 3) / 10
    expect_close(
        call(fn, P, Q),
        np.einsum("bij,bkj->bik", np.asarray(P), np.asarray(Q)),
        "bmm_transposed(P, Q)",
        "contract axis 2 of p with axis 2 of q, batch axis 0 with axis 0: "
        "dimension_numbers=(((2,), (2,)), ((0,), (0,))).",
        rtol=1e-6,
    )
    names = [eqn.primitive.name for eqn in jax.make_jaxpr(fn)(P, Q).jaxpr.eqns]
    if names != ["dot_general"]:
        raise Wrong(
            f"the jaxpr has the equations {names}, expected one dot_general.",
            "dot_general contracts any pair of axes: no transpose is needed.",
        )


_CHAIN_KEYS = ("(A @ B) @ C", "A @ (B @ C)", "XLA reorders")


@exercise(
    "jaxprs/2",
    "Does XLA choose the order of a matrix chain?",
    "a dict with your flop counts for '(A @ B) @ C' and 'A @ (B @ C)' and a bool 'XLA reorders'",
)
def _chain(answer: Any) -> None:
    if not isinstance(answer, dict):
        raise WrongKind(f"got {type(answer).__name__}")
    if any(answer.get(key) is None for key in _CHAIN_KEYS):
        raise NotAnswered
    mats = [jnp.ones(shape) for shape in [(64, 256), (256, 256), (256, 4)]]

    def flops(fn: Any) -> float:
        cost: Any = jax.jit(fn).lower(*mats).compile().cost_analysis()
        return float((cost[0] if isinstance(cost, list | tuple) else cost)["flops"])

    measured = {
        "(A @ B) @ C": flops(lambda a, b, c: (a @ b) @ c),
        "A @ (B @ C)": flops(lambda a, b, c: a @ (b @ c)),
    }
    for key, value in measured.items():
        if not np.isclose(float(answer[key]), value, rtol=0.01):
            raise Wrong(
                f"{key}: {answer[key]} flops does not match the compiled program.",
                "an (m, k) @ (k, n) product costs 2·m·k·n flops (a multiply and an add).",
            )
    reorders = measured["(A @ B) @ C"] == measured["A @ (B @ C)"]
    if bool(answer["XLA reorders"]) != reorders:
        raise Wrong(
            "'XLA reorders' disagrees with the compiled costs.",
            "compare the two costs measured by cost_analysis(): equal costs would mean "
            "XLA rewrote one order into the other.",
        )


@exercise(
    "jaxprs/3",
    "A primitive census",
    "a function census(closed_jaxpr) returning a collections.Counter of primitive names",
)
def _census(answer: Any) -> None:
    fn = need_callable(answer)

    @jax.jit
    def inner(x: jax.Array) -> jax.Array:
        return jnp.sin(x) * jnp.cos(x)

    def outer(x: jax.Array) -> jax.Array:
        result: jax.Array = lax.cond(x > 0, inner, jnp.exp, x) + inner(2 * x)
        return result

    closed = jax.make_jaxpr(jax.grad(outer))(1.0)
    want: collections.Counter[str] = collections.Counter()

    def walk(jaxpr: Any) -> None:
        for eqn in jaxpr.eqns:
            want[eqn.primitive.name] += 1
            for sub in jax.extend.core.jaxprs_in_params(eqn.params):
                walk(sub)

    walk(closed.jaxpr)
    got = call(fn, closed)
    if not isinstance(got, collections.Counter):
        raise Wrong(f"census returned a {type(got).__name__}, not a Counter.")
    if got == collections.Counter(eqn.primitive.name for eqn in closed.jaxpr.eqns):
        raise Wrong(
            "census counted only the top-level equations.",
            "recurse into every parameter that is a jaxpr or a list/tuple of them "
            "(jit's `jaxpr`, cond's `branches`).",
        )
    if got != want:
        extra, short = got - want, want - got
        raise Wrong(
            f"census is off: too many {dict(extra)}, too few {dict(short)}.",
            "count each equation once, then add the counts of its sub-jaxprs.",
        )
