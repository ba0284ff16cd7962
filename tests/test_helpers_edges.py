"""Edges of the package helpers that the chapters' claims rest on (issue 21 item 18).

Expected values come from hand arithmetic or an independent computation, never from the
helper's own output.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax101 import Dataset, Params, _benchmarks, _blocked, _hlo, _logreg, _plot, _records
from jax101._timing import Timing

HLO = """HloModule m, entry_computation_layout={(f32[8]{0})->f32[2,4]{1,0}}

ENTRY %main.3 (p.1: f32[8]) -> f32[2,4] {
  %p.1 = f32[8]{0} parameter(0)
  %c.1 = f32[] constant(2)
  %bitcast.1 = f32[2,4]{1,0} bitcast(f32[8]{0} %p.1)
  ROOT %exponential.2 = f32[2,4]{1,0} exponential(f32[2,4]{1,0} %bitcast.1)
}
"""


def test_a_bitcast_is_seen_but_not_counted_as_a_kernel():
    ops = _hlo.hlo_ops(HLO)
    assert (ops["parameter"], ops["constant"], ops["bitcast"], ops["exponential"]) == (1, 1, 1, 1)
    assert _hlo.count_kernels(HLO) == 1  # the exponential only: a bitcast moves no data


@pytest.mark.parametrize(("labels", "expected"), [([1, 0, 0, 1], 0.5), ([0, 0, 0, 1], 0.75)])
def test_accuracy_at_zero_parameters_is_the_share_of_label_zero(labels, expected):
    # w = 0, b = 0: every logit is 0, not > 0, so the model predicts 0 for every example
    data = Dataset(x=jnp.arange(8.0).reshape(4, 2), y=jnp.array(labels, jnp.float32))
    params = Params(w=jnp.zeros(2), b=jnp.array(0.0))
    assert float(_logreg.accuracy(params, data)) == expected


def small_problem(n: int) -> tuple[Params, Dataset]:
    x = jax.random.normal(jax.random.key(0), (n, 3))
    y = (x[:, 0] > 0).astype(jnp.float32)
    return Params(w=jnp.array([0.5, -0.2, 0.1]), b=jnp.array(0.3)), Dataset(x=x, y=y)


@pytest.mark.parametrize("rows", [1, 2, 4, 8, 100])  # 100 > 8 examples: one block
def test_blocked_loss_and_gradient_match_the_whole_batch(rows):
    params, data = small_problem(8)
    value, grad = _blocked.loss_and_grad_blocked(params, data, rows=rows)
    expected_value, expected_grad = jax.value_and_grad(_logreg.loss)(params, data)
    np.testing.assert_allclose(value, expected_value, rtol=1e-5)
    np.testing.assert_allclose(grad.w, expected_grad.w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grad.b, expected_grad.b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("rows", [0, -4, 3, 5])
def test_blocked_refuses_rows_that_do_not_split_the_examples(rows):
    params, data = small_problem(8)
    with pytest.raises(ValueError, match="must split into blocks"):
        _blocked.loss_and_grad_blocked(params, data, rows=rows)


def valid_record() -> dict[str, object]:
    return {
        "schema": 1,
        "device_kind": "cpu",
        "backend": "cpu",
        "device_count": 1,
        "jax_version": "0.10.2",
        "date": "2026-12-05",
        "command": "python benchmarks/run.py",
        "options": {},
        "results": {"scan": {"speedup": 9.4, "steps": 100}},
    }


def test_a_valid_record_has_no_problems():
    assert _records.record_problems(valid_record()) == []


@pytest.mark.parametrize("value", [True, False, "9.4", None])
def test_a_figure_that_is_a_bool_or_not_a_number_is_a_problem(value):
    record = valid_record()
    record["results"] = {"scan": {"speedup": value}}
    assert _records.record_problems(record) == [
        f"results['scan']['speedup'] must be a number, got {value!r}"
    ]


def test_a_bool_device_count_is_a_problem():
    record = valid_record()
    record["device_count"] = True
    assert _records.record_problems(record) == ["field 'device_count' must be int, got True"]


def fake_alternation(medians: dict[str, float]):
    def time_alternately(calls, *, repeats):
        assert set(calls) == set(medians)
        return {name: Timing(m, m, (m,) * repeats) for name, m in medians.items()}

    return time_alternately


def test_the_eager_speedup_is_eager_time_over_jit_time(monkeypatch):
    monkeypatch.setattr(
        _benchmarks, "time_alternately", fake_alternation({"eager": 4e-3, "jit": 1e-3})
    )
    figures = _benchmarks._eager_vs_jit(repeats=1)
    assert (figures["eager_ms"], figures["jit_ms"], figures["speedup"]) == (4.0, 1.0, 4.0)


def test_the_scan_speedup_is_loop_time_over_scan_time(monkeypatch):
    monkeypatch.setattr(
        _benchmarks, "time_alternately", fake_alternation({"loop": 6e-3, "scan": 2e-3})
    )
    figures = _benchmarks._scan_vs_loop(repeats=1, steps=3)
    assert (figures["steps"], figures["speedup"]) == (3, 3.0)


def test_the_plot_spans_the_data_plus_half_a_unit_and_draws_the_boundary():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    data = Dataset(x=np.array([[0.0, 1.0], [2.0, -3.0]]), y=np.array([0.0, 1.0]))
    ax = _plot.plot_decision_boundaries(
        data, {"b": Params(w=np.array([1.0, 1.0]), b=np.array(-1.0))}
    )
    try:
        assert ax.get_xlim() == pytest.approx((-0.5, 2.5))
        assert ax.get_ylim() == pytest.approx((-3.5, 1.5))
        (line,) = ax.get_lines()
        ends = np.column_stack(line.get_data())
        np.testing.assert_allclose(ends @ np.array([1.0, 1.0]) - 1.0, [0.0, 0.0], atol=1e-9)
    finally:
        plt.close(ax.figure)
