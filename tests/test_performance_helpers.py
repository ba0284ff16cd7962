"""HLO reading, alternate timing, the roofline, the blocked step and benchmark records."""

from __future__ import annotations

import importlib
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jax101

HLO = """HloModule jit_f

%fused (p: f32[4]) -> f32[4] {
  %p = f32[4]{0} parameter(0)
  ROOT %e = f32[4]{0} exponential(%p)
}

ENTRY %main (x: f32[4], y: f32[4]) -> (f32[4], f32[]) {
  %x = f32[4]{0} parameter(0)
  %y = f32[4]{0} parameter(1)
  %c = f32[] constant(0)
  %copy.1 = f32[4]{0} copy(%x)
  %fusion = f32[4]{0} fusion(%copy.1), kind=kLoop, calls=%fused
  %r = f32[] reduce(%fusion, %c), dimensions={0}, to_apply=%fused
  ROOT %t = (f32[4]{0}, f32[]) tuple(%fusion, %r)
}
"""


def test_hlo_ops_counts_the_entry_computation_only():
    ops = jax101.hlo_ops(HLO)
    assert ops == {"parameter": 2, "constant": 1, "copy": 1, "fusion": 1, "reduce": 1, "tuple": 1}
    assert "exponential" not in ops  # inside a fused computation, not ENTRY
    assert jax101.count_kernels(HLO) == 3


def test_hlo_ops_rejects_text_without_entry():
    with pytest.raises(ValueError, match="no ENTRY computation"):
        jax101.hlo_ops("HloModule empty")


def test_donation_removes_the_copy_of_a_real_program():
    x = jnp.ones((64, 8))
    update = lambda v: v.at[0].set(0.0)  # noqa: E731
    kept = jax.jit(update).lower(x).compile().as_text()
    donated = jax.jit(update, donate_argnums=0).lower(x).compile().as_text()
    assert (jax101.hlo_ops(kept)["copy"], jax101.hlo_ops(donated)["copy"]) == (1, 0)


def test_time_alternately_times_each_call_once_per_round_in_the_recorded_order():
    calls = []
    timings = jax101.time_alternately(
        {"a": (lambda: calls.append("a"), ()), "b": (lambda: calls.append("b"), ())}, repeats=6
    )
    assert calls[:2] == ["a", "b"]  # the untimed warm-up, once each
    rounds = [tuple(calls[i : i + 2]) for i in range(2, len(calls), 2)]
    assert rounds == list(timings.order)  # the result records the order really used
    assert {frozenset(r) for r in rounds} == {frozenset("ab")}  # each call once per round
    assert {r[0] for r in rounds} == {"a", "b"}  # not always the same one first
    assert [len(t.runs) for t in timings.values()] == [6, 6]


@pytest.mark.parametrize("names", ["ab", "abc", "abcd"])
@pytest.mark.parametrize("rounds", [1, 2, 5, 12, 21])
def test_alternate_orders_put_every_name_in_every_position_equally_often(names, rounds):
    calls = {name: (lambda: None, ()) for name in names}
    orders = jax101.time_alternately(calls, repeats=rounds, seed=rounds).order
    assert len(orders) == rounds
    assert all(sorted(o) == sorted(names) for o in orders)
    for position in range(len(names)):
        counts = [sum(o[position] == name for o in orders) for name in names]
        assert max(counts) - min(counts) <= 1, (position, counts)
        if rounds % len(names) == 0:
            assert set(counts) == {rounds // len(names)}


def test_alternate_orders_follow_the_seed():
    calls = {name: (lambda: None, ()) for name in "abc"}
    draw = lambda seed: jax101.time_alternately(calls, repeats=30, seed=seed).order  # noqa: E731
    assert draw(1) == draw(1)
    assert draw(1) != draw(2)
    # Shuffled, not a fixed rotation: more than the 3 cyclic orders occur.
    assert len(set(draw(1))) > 3
    # Within a block the rotations come in shuffled sequence, not always one step apart.
    orders = draw(1)
    one_step = [orders[i + 1] == orders[i][1:] + orders[i][:1] for i in range(0, 30, 3)]
    assert not all(one_step)


def test_time_alternately_records_its_seed():
    calls = {"a": (lambda: None, ()), "b": (lambda: None, ())}
    first = jax101.time_alternately(calls, repeats=8, seed=5)
    again = jax101.time_alternately(calls, repeats=8, seed=5)
    assert first.seed == 5
    assert first.order == again.order
    assert first.first_counts() == {"a": 4, "b": 4}


class PositionClock:
    """A fake ``perf_counter``: each call of ``tick`` takes 3 s if it is first in its round."""

    def __init__(self, per_round):
        self.now, self.calls, self.per_round = 0.0, 0, per_round

    def __call__(self):
        return self.now

    def tick(self, name):
        def program():
            warm_up = self.calls < self.per_round
            first_in_round = (self.calls - self.per_round) % self.per_round == 0
            self.now += 0.5 if warm_up else (3.0 if first_in_round else 1.0)
            self.calls += 1

        return program


@pytest.mark.parametrize("repeats", [2, 10, 21])
def test_identical_programs_split_evenly_despite_an_order_effect(monkeypatch, repeats):
    # Two identical programs on a machine where the first call of a round is slower. With a
    # fixed order, one of them would lose every round; randomised and balanced, the wins
    # split as evenly as the number of rounds allows, and the medians agree.
    clock = PositionClock(per_round=2)
    monkeypatch.setattr(time, "perf_counter", clock)
    timings = jax101.time_alternately(
        {"a": (clock.tick("a"), ()), "b": (clock.tick("b"), ())}, repeats=repeats
    )
    a_runs, b_runs = timings["a"].runs, timings["b"].runs
    a_wins = sum(a < b for a, b in zip(a_runs, b_runs, strict=True))
    assert abs(a_wins - (repeats - a_wins)) <= 1
    assert sorted(a_runs + b_runs) == [1.0] * repeats + [3.0] * repeats  # no warm-up timed
    if repeats % 2 == 0:
        assert timings["a"].median == timings["b"].median == 2.0


@pytest.mark.parametrize("repeats", [0, -1])
def test_time_alternately_rejects_no_repeats(repeats):
    with pytest.raises(ValueError, match="repeats >= 1"):
        jax101.time_alternately({"a": (jnp.sum, (jnp.ones(2),))}, repeats=repeats)


def test_roofline_counts_every_argument_byte_once():
    x, y = jnp.ones((128, 16)), jnp.ones(128)
    result = jax101.roofline(jax.jit(lambda a, b: a.sum() + b.sum()), x, y, repeats=2)
    assert result.bytes_read == 4 * (128 * 16 + 128)
    assert result.ratio == pytest.approx(result.reference.median / result.step.median)
    assert result.achieved == pytest.approx(result.bytes_read / result.step.median)
    assert result.bandwidth == pytest.approx(result.bytes_read / result.reference.median)


def test_roofline_needs_an_array():
    with pytest.raises(ValueError, match="at least one array"):
        jax101.roofline(lambda: 0, repeats=2)


@pytest.mark.parametrize("rows", [1, 64, 256, 1000])
def test_blocked_step_equals_value_and_grad(key, rows):
    data = jax101.make_dataset(256, [1.0, -2.0, 0.5], 0.3, key=key)
    params = jax101.Params(w=jnp.array([0.2, 0.1, -0.3]), b=jnp.array(0.05))
    value, grad = jax101.loss_and_grad_blocked(params, data, rows=rows)
    # Independent reference: the closed-form gradient, in float64 NumPy.
    x, y = np.asarray(data.x, np.float64), np.asarray(data.y, np.float64)
    eta = x @ np.asarray(params.w, np.float64) + float(params.b)
    expected_loss = np.mean(np.logaddexp(0, eta) - y * eta)
    residual = 1 / (1 + np.exp(-eta)) - y
    assert float(value) == pytest.approx(expected_loss, rel=1e-5)
    np.testing.assert_allclose(grad.w, x.T @ residual / 256, rtol=1e-4, atol=1e-6)
    assert float(grad.b) == pytest.approx(residual.mean(), rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("rows", [0, 3])
def test_blocked_step_rejects_rows_that_do_not_divide(key, rows):
    data = jax101.make_dataset(64, [1.0], 0.0, key=key)
    params = jax101.Params(w=jnp.zeros(1), b=jnp.zeros(()))
    with pytest.raises(ValueError, match="must split into blocks"):
        jax101.loss_and_grad_blocked(params, data, rows=rows)


def test_run_benchmark_rejects_bad_names_and_sizes():
    with pytest.raises(ValueError, match="unknown benchmark 'fast'"):
        jax101.run_benchmark("fast")
    with pytest.raises(ValueError, match="rows=-1, repeats=0"):
        jax101.run_benchmark("donation", rows=-1, repeats=0)


@pytest.fixture
def fake_timings(monkeypatch):
    """Replace the timing behind the benchmarks: each name takes a fixed number of seconds."""
    seconds = {"eager": 4.0, "jit": 1.0, "step": 4.0, "reference": 1.0}
    seconds |= {"sum": 1.0, "xw": 2.0, "rx": 5.0}

    def fake(calls, *, repeats=5, seed=0):
        del seed
        return {
            name: jax101.Timing(seconds[name], seconds[name], (seconds[name],) * repeats)
            for name in calls
        }

    for module in ("_benchmarks", "_roofline"):
        monkeypatch.setattr(importlib.import_module(f"jax101.{module}"), "time_alternately", fake)


def test_benchmark_speedup_divides_the_slow_side_by_the_fast_one(fake_timings):
    figures = jax101.run_benchmark("eager_vs_jit", repeats=2)
    assert (figures["eager_ms"], figures["jit_ms"], figures["speedup"]) == (4000, 1000, 4)
    assert figures["jit_kernels"] < figures["eager_ops"]


def test_roofline_benchmark_reports_each_side_against_the_sum(fake_timings):
    figures = jax101.run_benchmark("roofline", rows=2048, features=8, repeats=2)
    must_read = 4 * (2048 * 8 + 2048 + 8 + 1)  # x, y, w and b, float32, once
    assert figures["bytes_read_mb"] == pytest.approx(must_read / 2**20)
    assert figures["read_gb_s"] == pytest.approx(must_read / 1.0 / 1e9)
    assert figures["plain_gb_s"] == pytest.approx(must_read / 4.0 / 1e9)
    assert (figures["plain_ratio"], figures["blocked_ratio"]) == (0.25, 0.25)
    assert (figures["xw_ratio"], figures["rx_ratio"]) == (0.5, 0.2)
    assert figures["hand_gflop"] == pytest.approx(4 * 2048 * 8 / 1e9)


def test_donation_benchmark_saves_one_buffer():
    figures = jax101.run_benchmark("donation", rows=512, features=128)
    assert figures["peak_mb_without"] - figures["peak_mb_with"] == pytest.approx(
        512 * 128 * 4 / 2**20
    )


def _record(**changes):
    record = {
        "schema": 1,
        "device_kind": "NVIDIA H100",
        "backend": "gpu",
        "device_count": 1,
        "jax_version": "0.10.2",
        "date": "2026-12-01T12:00:00+00:00",
        "command": "python examples/benchmark.py --json h100.json",
        "options": {"rows": 4194304},
        "results": {"roofline": {"plain_ratio": 0.92}, "scan_vs_loop": {"speedup": 16.5}},
    }
    return record | changes


def test_records_load_sorted_with_their_file_names(tmp_path):
    (tmp_path / "b.json").write_text(json.dumps(_record()))
    (tmp_path / "a.json").write_text(json.dumps(_record(device_kind="TPU v5")))
    (tmp_path / "notes.txt").write_text("not a record")
    records = jax101.load_records(tmp_path)
    assert [(r["file"], r["device_kind"]) for r in records] == [
        ("a.json", "TPU v5"),
        ("b.json", "NVIDIA H100"),
    ]


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        pytest.param([], "must be a JSON object", id="not-object"),
        pytest.param(_record(schema=2), "schema must be 1", id="schema"),
        pytest.param(_record(device_count=True), "'device_count' must be int", id="bool-count"),
        pytest.param(_record(results={"r": {"x": "1"}}), r"results\['r'\]\['x'\]", id="figure"),
        pytest.param(_record(results={"r": 1}), "must be an object of figures", id="results"),
    ],
)
def test_bad_records_are_named(tmp_path, record, problem):
    (tmp_path / "bad.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match=rf"bad\.json is not a benchmark record: .*{problem}"):
        jax101.load_records(tmp_path)


def test_invalid_json_and_missing_folder(tmp_path):
    (tmp_path / "cut.json").write_text('{"schema": 1,')
    with pytest.raises(ValueError, match=r"cut\.json is not valid JSON"):
        jax101.load_records(tmp_path)
    with pytest.raises(FileNotFoundError, match="no folder of benchmark records"):
        jax101.load_records(tmp_path / "missing")


def test_figures_table_has_a_column_per_run_and_dashes_for_gaps():
    table = jax101.figures_table(
        {"this build": {"roofline": {"plain_ratio": 0.2}}, "h100.json": _record()["results"]}
    )
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "this", "build", "h100.json"]
    assert lines[1].split() == ["roofline.plain_ratio", "0.2", "0.92"]
    assert lines[2].split() == ["scan_vs_loop.speedup", "-", "16.5"]
