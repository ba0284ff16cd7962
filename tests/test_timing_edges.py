"""Edges of the timing helpers: warm-up counts, medians (not means), call order, rooflines.

Expected values are hand arithmetic on a fake clock, never the helpers' own output.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax101 import _alternate, _roofline, _timing
from jax101._timing import Timing


def fake_clock(monkeypatch: pytest.MonkeyPatch, ticks: list[float]) -> None:
    """Make ``_timing``'s ``time.perf_counter()`` return ``ticks`` in turn."""
    values = iter(ticks)
    monkeypatch.setattr(_timing, "time", types.SimpleNamespace(perf_counter=lambda: next(values)))


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: object) -> int:
        self.calls += 1
        return self.calls


@pytest.mark.parametrize(("warmup", "repeats"), [(0, 1), (1, 3), (3, 2)])
def test_time_call_makes_warmup_plus_repeats_calls(warmup, repeats):
    fn = Counter()
    timing = _timing.time_call(fn, repeats=repeats, warmup=warmup)
    assert fn.calls == warmup + repeats
    assert len(timing.runs) == repeats


@pytest.mark.parametrize(("repeats", "warmup"), [(0, 1), (1, -1)])
def test_time_call_refuses_no_repeats_or_negative_warmup(repeats, warmup):
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        _timing.time_call(Counter(), repeats=repeats, warmup=warmup)


def test_time_call_reports_the_median_and_the_fastest_run_not_the_mean(monkeypatch):
    # three runs of 1, 2 and 10 s: median 2 (the mean would be 13/3), best 1
    fake_clock(monkeypatch, [0.0, 1.0, 10.0, 12.0, 20.0, 30.0])
    assert _timing.time_call(Counter(), repeats=3, warmup=0) == Timing(2.0, 1.0, (1.0, 2.0, 10.0))


def test_time_call_median_of_an_even_count_is_the_middle_pair_mean(monkeypatch):
    fake_clock(monkeypatch, [0.0, 4.0, 10.0, 11.0, 20.0, 22.0, 30.0, 60.0])  # 4, 1, 2, 30
    timing = _timing.time_call(Counter(), repeats=4, warmup=0)
    assert (timing.median, timing.best) == (3.0, 1.0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(2.0, "2 s"), (1.0, "1 s"), (0.5, "500 ms"), (1e-3, "1 ms"), (3e-6, "3 µs"), (5e-9, "5 ns")],
)
def test_timing_prints_in_the_largest_unit_at_least_one(seconds, text):
    assert str(Timing(seconds, seconds, (seconds,))) == f"{text} median of 1 (best {text})"


def test_time_alternately_warms_up_each_call_once_then_times_each_once_per_round():
    first, second = Counter(), Counter()
    result = _alternate.time_alternately({"a": (first, ()), "b": (second, ())}, repeats=4)
    assert (first.calls, second.calls) == (1 + 4, 1 + 4)
    assert {name: len(t.runs) for name, t in result.items()} == {"a": 4, "b": 4}


def test_time_alternately_reports_the_median_of_its_rounds(monkeypatch):
    fn = Counter()
    fake_clock(monkeypatch, [0.0, 1.0, 10.0, 12.0, 20.0, 30.0])  # rounds of 1, 2 and 10 s
    result = _alternate.time_alternately({"only": (fn, ())}, repeats=3)
    assert result["only"] == Timing(2.0, 1.0, (1.0, 2.0, 10.0))


@pytest.mark.parametrize("calls", [{}, {"a": (Counter(), ())}])
def test_time_alternately_refuses_no_calls_or_no_rounds(calls):
    with pytest.raises(ValueError, match="need repeats >= 1"):
        _alternate.time_alternately(calls, repeats=0 if calls else 3)


@pytest.mark.parametrize("rounds", [1, 3, 6, 7])
def test_balanced_orders_put_each_name_in_each_position_evenly(rounds):
    names = ["a", "b", "c"]
    orders = _alternate._balanced_orders(names, rounds, seed=1)
    assert len(orders) == rounds
    assert all(sorted(o) == names for o in orders)
    for position in range(3):
        counts = [sum(o[position] == n for o in orders) for n in names]
        assert max(counts) - min(counts) <= 1
        if rounds % 3 == 0:
            assert counts == [rounds // 3] * 3


def test_roofline_ratio_is_reference_time_over_step_time():
    # 1000 bytes; the step takes 4 s, the reduction 1 s: 1000 B/s reachable, 250 B/s achieved
    result = _roofline.Roofline(1000, Timing(4.0, 4.0, (4.0,)), Timing(1.0, 1.0, (1.0,)))
    assert (result.bandwidth, result.achieved, result.ratio) == (1000.0, 250.0, 0.25)


def test_roofline_reference_reads_every_array_argument(monkeypatch):
    seen = {}

    def capture(calls, *, repeats):
        seen.update(calls)
        one = Timing(1.0, 1.0, (1.0,))
        return {"step": one, "reference": one}

    monkeypatch.setattr(_roofline, "time_alternately", capture)
    x, y = jnp.ones(4, jnp.float32), jnp.full(3, 2.0, jnp.float32)
    result = _roofline.roofline(lambda a, b: a.sum() + b.sum(), x, {"nested": y}, repeats=2)
    assert result.bytes_read == 4 * 4 + 3 * 4  # every byte of both arguments
    reference, args = seen["reference"]
    np.testing.assert_allclose(reference(*args), 4 * 1.0 + 3 * 2.0)  # sums both, not one


@pytest.mark.parametrize(("args", "repeats"), [((jnp.ones(2),), 0), ((3.0,), 1)])
def test_roofline_refuses_no_repeats_or_no_arrays(args, repeats):
    with pytest.raises(ValueError, match="at least one array"):
        _roofline.roofline(lambda *a: a, *args, repeats=repeats)


def test_roofline_defaults_to_five_rounds_and_accepts_one(monkeypatch):
    asked = []

    def capture(calls, *, repeats):
        asked.append(repeats)
        one = Timing(1.0, 1.0, (1.0,))
        return {"step": one, "reference": one}

    monkeypatch.setattr(_roofline, "time_alternately", capture)
    _roofline.roofline(lambda a: a, jnp.ones(2))
    _roofline.roofline(lambda a: a, jnp.ones(2), repeats=1)
    assert asked == [5, 1]


def test_time_call_defaults_to_one_warmup_and_seven_runs():
    fn = Counter()
    assert len(_timing.time_call(fn).runs) == 7
    assert fn.calls == 1 + 7


def test_time_alternately_defaults_to_five_rounds_and_seed_zero():
    result = _alternate.time_alternately({"a": (Counter(), ()), "b": (Counter(), ())})
    assert (len(result["a"].runs), result.seed) == (5, 0)
    assert result.order == tuple(_alternate._balanced_orders(["a", "b"], 5, seed=0))


def test_time_compile_times_the_compilation_of_fn_with_its_outputs(monkeypatch):
    wrapped = []

    def recording_jit(fn):
        wrapped.append(fn)
        return jax.jit(fn)

    fake_clock(monkeypatch, [10.0, 12.5])
    monkeypatch.setattr(_timing, "jax", types.SimpleNamespace(jit=recording_jit))
    assert _timing.time_compile(jnp.sin, jnp.ones(3)) == 2.5  # end minus start
    (fresh,) = wrapped
    assert fresh is not jnp.sin  # a new function: the compilation cache cannot answer
    out = jax.eval_shape(fresh, jnp.ones(3))  # it returns fn's outputs, so none is dropped
    assert (out.shape, out.dtype) == ((3,), jnp.float32)


def test_first_counts_count_the_rounds_each_call_opened():
    timing = Timing(1.0, 1.0, (1.0,))
    result = _alternate.Alternation(
        {"a": timing, "b": timing}, order=[("a", "b"), ("b", "a"), ("a", "b")], seed=0
    )
    assert result.first_counts() == {"a": 2, "b": 1}
