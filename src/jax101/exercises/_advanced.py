"""Graders of control-flow, random, pytrees, advanced-autodiff, performance, parallelism."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.experimental import checkify
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jax101._checks import count_compilations
from jax101._data import make_dataset
from jax101._hlo import collectives, hlo_ops
from jax101._logreg import Params
from jax101._sharded import train_sharded
from jax101._train import train

from ._core import (
    Wrong,
    WrongKind,
    call,
    exercise,
    expect_close,
    expect_shape,
    need_callable,
)

# control-flow


@exercise(
    "control-flow/1",
    "Newton's square root, forward and reverse",
    "the pair (newton_sqrt, newton_sqrt_fixed): a while_loop and a 20-step fori_loop",
)
def _newton_sqrt(answer: Any) -> None:
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise WrongKind(f"got {type(answer).__name__}, not a pair of functions")
    loop, fixed = need_callable(answer[0]), need_callable(answer[1])
    for a in (2.0, 9.0):
        root, slope = call(jax.jvp, loop, (a,), (1.0,))
        expect_close(root, np.sqrt(a), f"newton_sqrt({a})", "iterate y <- (y + a/y)/2.")
        expect_close(slope, 0.5 / np.sqrt(a), f"its jvp at {a}", rtol=1e-4)
    try:
        jax.grad(loop)(2.0)
    except ValueError:
        pass
    else:
        raise Wrong(
            "jax.grad of newton_sqrt did not raise: is it a lax.while_loop?",
            "the exercise asks for a while_loop, which reverse mode cannot differentiate.",
        )
    expect_close(
        call(
            jax.grad(fixed),
            2.0,
            hint="a fori_loop with constant bounds (0, 20) is a "
            "scan, which reverse mode differentiates; bounds that are traced are not.",
        ),
        0.5 / np.sqrt(2.0),
        "grad(newton_sqrt_fixed)(2.0)",
        rtol=1e-4,
    )


@exercise(
    "control-flow/2",
    "A hat function without Python control flow",
    "a function hat(x): 1 - |x| on (-1, 1), 0 elsewhere, usable under jit and vmap",
)
def _hat(answer: Any) -> None:
    fn = need_callable(answer)
    hint = "`and`/`if` need concrete booleans; use jnp.logical_and (or &) and jnp.where."
    grid = np.linspace(-2.0, 2.0, 17)
    expect_close(
        call(jax.jit(jax.vmap(fn)), jnp.asarray(grid), hint=hint),
        [1 - abs(p) if -1 < p < 1 else 0.0 for p in grid],
        "hat on a grid of [-2, 2]",
        "1 - |x| inside (-1, 1), 0 outside.",
    )
    expect_close(
        call(jax.jit(jax.vmap(jax.grad(fn))), jnp.array([0.5, -0.5, 2.0])),
        [-1.0, 1.0, 0.0],
        "the slopes at 0.5, -0.5 and 2",
        "inside the interval the slope is -sign(x); outside it is 0.",
    )


@exercise(
    "control-flow/3",
    "A check of your own",
    "a function safe_log(x) that calls checkify.check before jnp.log",
)
def _safe_log(answer: Any) -> None:
    fn = need_callable(answer)
    checked = jax.jit(checkify.checkify(fn))
    err_neg, _ = call(checked, -2.0, hint="use checkify.check, not assert or `if`.")
    err_pos, value = call(checked, 2.0)
    message = err_neg.get()
    if message is None:
        raise Wrong("safe_log(-2.0) reports no error.", "checkify.check(x > 0, ...).")
    if "-2" not in message:
        raise Wrong(
            "the error message does not contain the offending value.",
            'format it in: checkify.check(x > 0, "... got {x}", x=x).',
        )
    if err_pos.get() is not None:
        raise Wrong(f"safe_log(2.0) reports an error: {err_pos.get()}")
    expect_close(value, np.log(2.0), "safe_log(2.0)", rtol=1e-6)


# random


@exercise(
    "random/1",
    "Dropout masks by step",
    "a function dropout_mask(key, step, shape, keep=0.8) returning a boolean mask",
)
def _dropout(answer: Any) -> None:
    fn = need_callable(answer)
    key = jax.random.key(11)
    m3, m3_again, m4 = (np.asarray(call(fn, key, s, (100, 100))) for s in (3, 3, 4))
    if m3.shape != (100, 100) or m3.dtype != np.bool_:
        raise Wrong(f"the mask has shape {m3.shape} and dtype {m3.dtype}, not bool.")
    if not np.array_equal(m3, m3_again):
        raise Wrong("the same step gave two different masks.")
    if np.array_equal(m3, m4):
        raise Wrong(
            "steps 3 and 4 gave the same mask.",
            "derive the step's key: jax.random.fold_in(key, step).",
        )
    for keep in (0.8, 0.3):
        mask = np.asarray(call(fn, key, 5, (100, 100), keep=keep))
        se = np.sqrt(keep * (1 - keep) / mask.size)
        if abs(mask.mean() - keep) > 5 * se:
            raise Wrong(
                f"with keep={keep} the mask keeps {mask.mean():.3f} of the entries.",
                "True means kept: jax.random.bernoulli(key, keep, shape).",
            )
    jitted = jax.jit(fn, static_argnames=("shape", "keep"))
    again = np.asarray(call(jitted, key, jnp.int32(3), shape=(100, 100)))
    if not np.array_equal(again, m3):
        raise Wrong("the jitted mask with a traced step differs from the eager one.")


@exercise(
    "random/2",
    "Monte Carlo π with many walkers",
    "a function estimate_pi(root_key) averaging 64 walkers of 4096 points each",
)
def _pi(answer: Any) -> None:
    fn = need_callable(answer)
    estimates = np.array([float(call(fn, jax.random.key(k))) for k in range(8)])
    p = np.pi / 4
    se = 4 * np.sqrt(p * (1 - p) / (64 * 4096))
    if float(call(fn, jax.random.key(0))) != estimates[0]:
        raise Wrong("the same root key gave two different estimates.")
    worst = float(np.abs(estimates - np.pi).max())
    if worst > 5 * se:
        raise Wrong(
            f"over 8 root keys the estimate is up to {worst:.4f} from π; 64 x 4096 "
            f"independent points give a standard error of {se:.4f}.",
            "give each walker its own key (jax.random.split(root_key, 64)), each drawing "
            "4096 points in the unit square, 4 x the fraction inside.",
        )


@exercise(
    "random/3",
    "Find and fix the reuse",
    "a function noisy_line(key, n) returning (x, y) that passes jax.debug_key_reuse",
)
def _noisy_line(answer: Any) -> None:
    fn = need_callable(answer)
    n = 5000
    with jax.debug_key_reuse(True):
        result = call(
            fn, jax.random.key(13), n, hint="split the key; give x and the noise a child each."
        )
    x, y = (np.asarray(v) for v in result)
    if x.shape != (n,) or y.shape != (n,):
        raise Wrong(f"x and y have shapes {x.shape} and {y.shape}, expected ({n},).")
    noise = y - 3 * x
    r = float(np.corrcoef(x, noise)[0, 1])
    if abs(r) >= 4 / np.sqrt(n):
        raise Wrong(f"the noise is correlated with x (r = {r:.3f}).", "use two keys.")
    if not 0.08 < noise.std() < 0.12 or not -1 <= x.min() < x.max() <= 1:
        raise Wrong("x should be uniform on [-1, 1] and the noise 0.1 x a standard normal.")


# pytrees


@exercise(
    "pytrees/1",
    "The global norm of a tree",
    "a function global_norm(tree): the norm of all entries of all leaves",
)
def _global_norm(answer: Any) -> None:
    fn = need_callable(answer)
    tree = {
        "layers": [{"w": jnp.arange(6.0).reshape(2, 3), "b": jnp.array([1.0, -2.0])}],
        "scale": jnp.array(3.0),
        "extra": (jnp.ones((2, 2, 2)),),
    }
    flat = np.concatenate([np.ravel(leaf) for leaf in jax.tree.leaves(tree)])
    expect_close(
        call(fn, tree),
        np.linalg.norm(flat),
        "global_norm of a nested tree",
        "square every entry of every leaf, sum them all, then one square root "
        "(not a sum of per-leaf norms).",
        rtol=1e-5,
    )


@exercise(
    "pytrees/2",
    "Momentum with three trees",
    "a function momentum_step(params, velocity, grads, lr=0.1, beta=0.9) returning "
    "(params, velocity)",
)
def _momentum(answer: Any) -> None:
    fn = need_callable(answer)
    params = {"w": jnp.array([[1.0, 2.0], [3.0, 4.0]]), "b": [jnp.array(0.5)]}
    grads = {"w": jnp.array([[0.1, -0.2], [0.3, 0.0]]), "b": [jnp.array(-1.0)]}
    velocity = jax.tree.map(lambda a: jnp.full_like(a, 2.0), params)
    result = call(fn, params, velocity, grads)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong("momentum_step should return the pair (params, velocity).")
    new_p, new_v = result
    structure: Any = jax.tree.structure(params)
    if structure != jax.tree.structure(new_p) or structure != jax.tree.structure(new_v):
        raise Wrong("the result trees do not have the parameters' structure.")
    for name, p, v, g, got_p, got_v in zip(
        ("w", "b"),
        jax.tree.leaves(params),
        jax.tree.leaves(velocity),
        jax.tree.leaves(grads),
        jax.tree.leaves(new_p),
        jax.tree.leaves(new_v),
        strict=True,
    ):
        v_want = 0.9 * np.asarray(v) + np.asarray(g)
        expect_close(got_v, v_want, f"the new velocity of {name}", "v <- beta v + g.")
        expect_close(
            got_p,
            np.asarray(p) - 0.1 * v_want,
            f"the new {name}",
            "update the parameters with the *new* velocity: p - lr * v.",
        )


@exercise(
    "pytrees/3",
    "Registering a class that is not a dataclass",
    "a class Affine(w, b) registered with jax.tree_util.register_pytree_node_class",
)
def _affine(answer: Any) -> None:
    if not isinstance(answer, type):
        raise WrongKind(f"got {type(answer).__name__}, not a class")
    cls: Any = answer
    w, b = jnp.array([1.0, -2.0]), jnp.array(0.5)
    instance = call(answer, w, b)
    leaves = jax.tree.leaves(instance)
    if len(leaves) != 2:
        raise Wrong(
            f"an Affine flattens into {len(leaves)} leaves, expected 2 (w and b).",
            "decorate the class with @jax.tree_util.register_pytree_node_class and "
            "return (self.w, self.b), None from tree_flatten.",
        )
    x = jnp.array([[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]])
    y = jnp.array([1.0, 0.0, -1.0])

    def linear_loss(p: Any) -> jax.Array:
        return jnp.mean((x @ p.w + p.b - y) ** 2)

    g: Any = call(jax.grad(linear_loss), instance, hint="tree_unflatten(cls, static, children).")
    if type(g) is not cls:
        raise Wrong(f"jax.grad returned a {type(g).__name__}, not an {answer.__name__}.")
    want: Any = jax.grad(linear_loss)(Params(w=w, b=b))
    expect_close(g.w, want.w, "the w gradient", "children in the order (w, b) both ways.")
    expect_close(g.b, want.b, "the b gradient", "children in the order (w, b) both ways.")


# advanced-autodiff


@exercise(
    "advanced-autodiff/1",
    "Gradient clipping in the backward pass",
    "a jax.custom_vjp function clip_gradient(x, limit)",
)
def _clip_gradient(answer: Any) -> None:
    fn = need_callable(answer)
    x = jnp.array([-2.0, -0.2, -0.01, 0.0, 0.03, 0.5, 3.0])
    expect_close(
        call(fn, x, 1.0),
        x,
        "clip_gradient(x, 1.0)",
        "the forward pass is the identity; clip only the cotangent in the backward rule.",
    )
    for limit in (1.0, 0.5):
        got = call(
            jax.grad(lambda v, lim=limit: jnp.sum(10 * fn(v, lim) ** 2)),
            x,
            hint="the backward rule returns one cotangent per input: (clipped g, None).",
        )
        expect_close(
            got,
            np.clip(20 * np.asarray(x), -limit, limit),
            f"the gradient with limit {limit}",
            "clip the incoming cotangent g to [-limit, limit] in the backward rule.",
        )


@exercise(
    "advanced-autodiff/2",
    "A safe norm",
    "a jax.custom_jvp function safe_norm(x) whose gradient at 0 is 0",
)
def _safe_norm(answer: Any) -> None:
    fn = need_callable(answer)
    point = jnp.array([3.0, -4.0, 12.0])
    expect_close(call(fn, point), 13.0, "safe_norm([3, -4, 12])", rtol=1e-6)
    expect_close(
        call(jax.grad(fn), jnp.zeros(3)),
        np.zeros(3),
        "the gradient at 0",
        "x / |x| is 0 / 0 at the origin: in the JVP rule choose 0 there with a where, "
        "and keep the division's denominator nonzero.",
    )
    expect_close(call(jax.grad(fn), point), np.asarray(point) / 13, "the gradient at [3, -4, 12]")


@exercise(
    "advanced-autodiff/3",
    "A Hessian from HVPs",
    "a function hessian_by_hvps(f, x) mapping an HVP over the unit vectors with vmap",
)
def _hessian_by_hvps(answer: Any) -> None:
    fn = need_callable(answer)
    W = jnp.asarray(np.random.default_rng(0).standard_normal((6, 6)), jnp.float32) / 3

    def two_layer(x: jax.Array) -> jax.Array:
        return jnp.tanh(W @ jnp.tanh(W @ x)).sum()

    x = jnp.linspace(-1.0, 1.0, 6)
    expect_close(
        call(fn, two_layer, x),
        jax.hessian(two_layer)(x),
        "hessian_by_hvps(f, x) for n = 6",
        "an HVP is the JVP of the gradient: jax.jvp(jax.grad(f), (x,), (v,))[1]; "
        "map it over the rows of jnp.eye(x.size).",
        rtol=1e-4,
        atol=1e-6,
    )


# performance


@exercise(
    "performance/1",
    "Donate a training state",
    "a function sgd(params, grads) returning params - 0.1 * grads for a Params",
)
def _donate(answer: Any) -> None:
    fn = need_callable(answer)
    state = Params(w=jnp.ones(1000), b=jnp.zeros(()))
    grads = Params(w=jnp.full(1000, 2.0), b=jnp.array(1.0))
    got = call(fn, state, grads, hint="params is a pytree: use jax.tree.map.")
    if not isinstance(got, Params):
        raise Wrong(f"sgd returned a {type(got).__name__}, expected Params.")
    expect_close(got.w, np.full(1000, 0.8), "the new w", "params - 0.1 * grads.")
    expect_close(got.b, -0.1, "the new b", "update the bias too.")
    donated = jax.jit(fn, donate_argnums=0).lower(state, grads).compile()
    memory: Any = donated.memory_analysis()
    aliased = memory.alias_size_in_bytes
    if aliased != state.w.nbytes + state.b.nbytes:
        raise Wrong(
            f"with donate_argnums=0, {aliased} bytes are aliased, expected all of params.",
            "return arrays of the parameters' shapes and dtypes.",
        )
    if hlo_ops(str(donated.as_text()))["copy"]:
        raise Wrong("the compiled update contains a copy.")


@exercise(
    "performance/2",
    "The jit(partial(...)) trap",
    "the fixed jitted function, called as fixed(scale, v)",
)
def _partial_trap(answer: Any) -> None:
    fn = need_callable(answer)
    v = jnp.linspace(0.0, 1.0, 100)
    call(fn, 2.0, v)
    with count_compilations() as seen:
        for scale in (2.0, 2.0, 2.0):
            got = call(fn, scale, v)
    expect_close(got, np.sin(np.asarray(v)) * 2.0, "fixed(2.0, v)", "sin(v) * scale.")
    if seen.count:
        raise Wrong(
            f"three more calls with the same scale compiled {seen.count} times.",
            "jit once, outside the loop; a new functools.partial is a new function.",
        )


# parallelism


@exercise(
    "parallelism/1",
    "Fewer devices, odd batches",
    "the mesh of the first four devices with the axis 'data'",
)
def _mesh4(answer: Any) -> None:
    if not isinstance(answer, jax.sharding.Mesh):
        raise WrongKind(f"got {type(answer).__name__}")
    if jax.device_count() < 4:
        raise Wrong(
            f"this session has {jax.device_count()} device(s); the exercise needs four.",
            "run the chapter's first code cell before any JAX operation: "
            'jax.config.update("jax_num_cpu_devices", 8) gives a CPU eight devices.',
        )
    if answer.axis_names != ("data",) or answer.devices.size != 4:
        raise Wrong(
            f"the mesh has axes {dict(answer.shape)}, expected {{'data': 4}}.",
            "jax.make_mesh((4,), ('data',), devices=jax.devices()[:4]).",
        )
    if list(answer.devices.flat) != jax.devices()[:4]:
        raise Wrong("the mesh does not hold the first four devices.")
    data = make_dataset(64, jnp.array([2.0, -1.0]), -0.8, key=jax.random.key(0))
    start = Params(w=jnp.zeros(2), b=jnp.zeros(()))
    _, four = train_sharded(start, data, optax.sgd(0.5), steps=3, mesh=answer)
    _, one = train(start, data, optax.sgd(0.5), steps=3)
    expect_close(four.loss, one.loss, "the losses on four devices", rtol=1e-5)


@exercise(
    "parallelism/2",
    "A mean and a gather by hand",
    "the pair (local_mean, gather) of per-block functions for jax.shard_map",
)
def _collectives(answer: Any) -> None:
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise WrongKind(f"got {type(answer).__name__}, not a pair of functions")
    local_mean, gather = need_callable(answer[0]), need_callable(answer[1])
    n = 8 if jax.device_count() >= 8 else 1
    mesh = jax.make_mesh((n,), ("data",), devices=jax.devices()[:n])
    x = jnp.arange(64.0).reshape(16, 4)
    xs = jax.device_put(x, NamedSharding(mesh, P("data")))
    mean_fn = jax.jit(jax.shard_map(local_mean, mesh=mesh, in_specs=P("data"), out_specs=P()))
    gather_fn = jax.jit(jax.shard_map(gather, mesh=mesh, in_specs=P("data"), out_specs=P("data")))
    expect_close(
        call(mean_fn, xs, hint="a per-device value is not replicated: lax.pmean over 'data'."),
        np.asarray(x).mean(axis=0),
        "the mean over the rows",
        "mean of the block's rows, then lax.pmean(..., 'data').",
    )
    copies = call(gather_fn, xs)
    expect_shape(
        copies,
        (n * 16, 4),
        "the stacked copies",
        "lax.all_gather(block, 'data', tiled=True) concatenates the blocks.",
    )
    expect_close(
        np.asarray(copies).reshape(n, 16, 4),
        np.broadcast_to(np.asarray(x), (n, 16, 4)),
        "each device's gathered array",
        "lax.all_gather(block, 'data', tiled=True) concatenates the blocks.",
    )
    if n > 1:
        found = collectives(str(mean_fn.lower(xs).compile().as_text()))
        if found.get("all-reduce", 0) < 1:
            raise Wrong(f"the mean's program has the collectives {dict(found)}.")
        if collectives(str(gather_fn.lower(xs).compile().as_text())).get("all-gather", 0) < 1:
            raise Wrong("the gather's program has no all-gather.")
