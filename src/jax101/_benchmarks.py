"""The performance chapter's benchmarks, as functions that return their figures.

``examples/benchmark.py`` runs them and prints or saves the figures; the chapter
"Performance" runs the same measurements cell by cell and explains them. Every timing is a
median of repeated calls; the two sides of every comparison are timed alternately
(:func:`jax101.time_alternately`, :func:`jax101.roofline`), so that their ratio compares like
with like even on a busy machine.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

from ._alternate import time_alternately
from ._blocked import loss_and_grad_blocked
from ._data import Dataset, make_dataset
from ._hlo import count_kernels, hlo_ops
from ._logreg import Params, loss
from ._roofline import roofline
from ._timing import time_compile
from ._train import make_step, train

Figures = dict[str, float]


def op_chain(x: jax.Array, w: jax.Array) -> jax.Array:
    """A chain of two small matrix products and many elementwise operations.

    Run op by op, each operation is one dispatch and one pass over memory; under ``jit``
    XLA fuses the elementwise operations, so this chain shows what fusion buys.

    Args:
        x: A matrix of shape ``(N, K)``.
        w: A matrix of shape ``(K, K)``.

    Returns:
        One number per row of ``x``, shape ``(N,)``.

    Examples:
        >>> op_chain(jnp.zeros((3, 2)), jnp.eye(2))
        Array([0.7615942, 0.7615942, 0.7615942], dtype=float32)

    See also: the chapter "Performance: measuring JAX honestly".
    """
    h = x @ w
    h = jnp.maximum(h, 0.0) * 2.0 - 1.0
    h = h * h + 0.5 * x
    h = jnp.where(h > 1.0, 1.0, h) - jnp.abs(x)
    h = jnp.tanh(h)
    return jnp.mean(h @ w + x, axis=1)


def _hlo_text(compiled: jax.stages.Compiled) -> str:
    text = compiled.as_text()
    if text is None:
        msg = "this backend gives no text of the compiled HLO, so its kernels cannot be counted"
        raise RuntimeError(msg)
    return text


def _eager_vs_jit(repeats: int, **_: int) -> Figures:
    x = jax.random.normal(jax.random.key(0), (4096, 64))
    w = jax.random.normal(jax.random.key(1), (64, 64)) / 8
    timings = time_alternately(
        {"eager": (op_chain, (x, w)), "jit": (jax.jit(op_chain), (x, w))}, repeats=repeats
    )
    eager, jitted = timings["eager"], timings["jit"]  # eager: op by op, one dispatch each
    primitives = len(jax.make_jaxpr(op_chain)(x, w).eqns)
    kernels = count_kernels(_hlo_text(jax.jit(op_chain).lower(x, w).compile()))
    return {
        "eager_ms": eager.median * 1e3,
        "jit_ms": jitted.median * 1e3,
        "speedup": eager.median / jitted.median,
        "eager_ops": primitives,
        "jit_kernels": kernels,
    }


def _case_study(n: int = 512) -> tuple[Params, Dataset]:
    data = make_dataset(n, jnp.array([2.0, -1.0]), -0.8, key=jax.random.key(0))
    return Params(w=jnp.zeros(2), b=jnp.zeros(())), data


def _scan_vs_loop(repeats: int, steps: int, **_: int) -> Figures:
    start, data = _case_study()
    optimizer = optax.adam(3e-2)
    step = make_step(optimizer)

    def python_loop(params: Params, data: Dataset) -> Params:
        opt_state = optimizer.init(params)
        for _ in range(steps):
            params, opt_state, _ = step(params, opt_state, data)
        return params

    def scan(params: Params, data: Dataset) -> Params:
        return train(params, data, optimizer, steps=steps)[0]

    timings = time_alternately(
        {"loop": (python_loop, (start, data)), "scan": (scan, (start, data))}, repeats=repeats
    )
    looped, scanned = timings["loop"], timings["scan"]
    return {
        "steps": steps,
        "loop_ms": looped.median * 1e3,
        "scan_ms": scanned.median * 1e3,
        "speedup": looped.median / scanned.median,
    }


def _compile(steps: int, **_: int) -> Figures:
    start, data = _case_study()
    optimizer = optax.adam(3e-2)
    opt_state = optimizer.init(start)
    one_step = functools.partial(make_step(optimizer), start, opt_state)

    def scan(params: Params, data: Dataset) -> Params:
        return train(params, data, optimizer, steps=steps)[0]

    return {
        "step_compile_ms": time_compile(one_step, data) * 1e3,
        "scan_compile_ms": time_compile(scan, start, data) * 1e3,
    }


def _peak_bytes(compiled: jax.stages.Compiled) -> int:
    m = compiled.memory_analysis()
    if m is None:
        msg = "this backend gives no memory analysis of compiled code, so no peak bytes"
        raise RuntimeError(msg)
    return int(
        m.argument_size_in_bytes
        + m.output_size_in_bytes
        + m.temp_size_in_bytes
        - m.alias_size_in_bytes
    )


def _donation(rows: int, features: int, **_: int) -> Figures:
    x = jax.ShapeDtypeStruct((rows, features), jnp.float32)

    def update(v: jax.Array) -> jax.Array:
        return v.at[0].set(0.0)

    kept = jax.jit(update).lower(x).compile()
    donated = jax.jit(update, donate_argnums=0).lower(x).compile()
    return {
        "copies_without": hlo_ops(_hlo_text(kept))["copy"],
        "copies_with": hlo_ops(_hlo_text(donated))["copy"],
        "peak_mb_without": _peak_bytes(kept) / 2**20,
        "peak_mb_with": _peak_bytes(donated) / 2**20,
    }


def _roofline(rows: int, features: int, repeats: int, **_: int) -> Figures:
    key_x, key_y = jax.random.split(jax.random.key(0))
    x = jax.random.normal(key_x, (rows, features))
    data = Dataset(x=x, y=jax.random.bernoulli(key_y, 0.5, (rows,)).astype(jnp.float32))
    params = Params(w=jnp.full(features, 0.01), b=jnp.zeros(()))
    plain = jax.jit(jax.value_and_grad(loss))
    cost: dict[str, float] | None = plain.lower(params, data).compile().cost_analysis()
    if cost is None:
        msg = "this backend gives no cost analysis of compiled code, so no compiled figures"
        raise RuntimeError(msg)
    blocked = functools.partial(loss_and_grad_blocked, rows=math.gcd(rows, 16384))
    measured = roofline(plain, params, data, repeats=repeats)
    measured_blocked = roofline(blocked, params, data, repeats=repeats)
    # The step's two matrix-vector products alone, against a sum over the same X, in turn.
    parts = time_alternately(
        {
            "sum": (jax.jit(jnp.sum), (x,)),
            "xw": (jax.jit(jnp.matmul), (x, params.w)),
            "rx": (jax.jit(jnp.matmul), (data.y, x)),
        },
        repeats=repeats,
    )
    return {
        "rows": rows,
        "features": features,
        "bytes_read_mb": measured.bytes_read / 2**20,
        "read_gb_s": measured.bandwidth / 1e9,
        "plain_gb_s": measured.achieved / 1e9,
        "plain_ratio": measured.ratio,
        "blocked_gb_s": measured_blocked.achieved / 1e9,
        "blocked_ratio": measured_blocked.ratio,
        "xw_ratio": parts["sum"].median / parts["xw"].median,
        "rx_ratio": parts["sum"].median / parts["rx"].median,
        "compiled_gflop": cost["flops"] / 1e9,
        "hand_gflop": 4 * rows * features / 1e9,
        "compiled_bytes_mb": cost["bytes accessed"] / 2**20,
    }


_RUNNERS: dict[str, Callable[..., Figures]] = {
    "eager_vs_jit": _eager_vs_jit,
    "scan_vs_loop": _scan_vs_loop,
    "compile": _compile,
    "donation": _donation,
    "roofline": _roofline,
}
BENCHMARKS: tuple[str, ...] = tuple(_RUNNERS)


def run_benchmark(
    name: str, *, rows: int = 2**20, features: int = 64, steps: int = 500, repeats: int = 7
) -> Figures:
    """Run one of the chapter's benchmarks and return its figures.

    Args:
        name: One of ``"eager_vs_jit"``, ``"scan_vs_loop"``, ``"compile"``, ``"donation"``,
            ``"roofline"``.
        rows: Examples in the roofline's data set (and rows of the donated buffer); the
            blocked step uses blocks of ``gcd(rows, 16384)`` rows.
        features: Features per example in the roofline's data set.
        steps: Adam steps of the scan-versus-loop and compile benchmarks.
        repeats: Timed calls per measurement (medians are reported).

    Returns:
        The benchmark's figures, each name ending in its unit (``_ms``, ``_gb_s``, ...).

    Raises:
        ValueError: For an unknown name or a size or count below 1.

    Examples:
        >>> figures = run_benchmark("donation", rows=1024, features=64)
        >>> figures["copies_without"], figures["copies_with"]
        (1.0, 0.0)

    See also: the chapter "Performance: measuring JAX honestly".
    """
    if name not in BENCHMARKS:
        msg = f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}"
        raise ValueError(msg)
    sizes = {"rows": rows, "features": features, "steps": steps, "repeats": repeats}
    bad = [f"{k}={v!r}" for k, v in sizes.items() if not isinstance(v, int) or v < 1]
    if bad:
        msg = f"sizes and counts must be integers >= 1; got {', '.join(bad)}"
        raise ValueError(msg)
    return {k: float(v) for k, v in _RUNNERS[name](**sizes).items()}
