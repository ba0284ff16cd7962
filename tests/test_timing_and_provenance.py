"""Timing waits for results and validates its arguments; provenance describes this process."""

from __future__ import annotations

import importlib.metadata
import platform
import time

import jax
import jax.numpy as jnp
import pytest

import jax101


def test_time_call_returns_median_and_every_run():
    timing = jax101.time_call(jnp.cumsum, jnp.ones(100), repeats=5)
    assert len(timing.runs) == 5
    assert min(timing.runs) == timing.best <= timing.median <= max(timing.runs)
    assert "median of 5" in str(timing)


def test_time_call_warms_up_before_timing():
    jitted = jax.jit(lambda v: v * 3)
    x = jnp.ones(7)
    with jax101.count_compilations() as seen:
        jax101.time_call(jitted, x, repeats=2, warmup=1)
    seen.expect(1, claim="only the warm-up compiles")


class ScriptedClock:
    """A fake ``perf_counter`` that advances only when the timed program runs."""

    def __init__(self, durations):
        self.now, self.durations, self.calls = 0.0, list(durations), 0

    def __call__(self):
        return self.now

    def program(self):
        self.now += self.durations[self.calls]
        self.calls += 1


@pytest.mark.parametrize("warmup", [0, 1, 3])
def test_time_call_makes_warmup_untimed_calls_then_reports_the_median(monkeypatch, warmup):
    # The warm-up calls take 100 s each and must not be timed; the timed runs take 1, 1, 10
    # and 2 s: their median is 1.5 s (the mean would be 3.5 s, the best is 1 s).
    clock = ScriptedClock([100.0] * warmup + [1.0, 10.0, 1.0, 2.0])
    monkeypatch.setattr(time, "perf_counter", clock)
    timing = jax101.time_call(clock.program, repeats=4, warmup=warmup)
    assert clock.calls == warmup + 4
    assert timing.runs == (1.0, 10.0, 1.0, 2.0)
    assert (timing.median, timing.best) == (1.5, 1.0)


def test_time_call_waits_for_the_result_before_stopping_the_clock(monkeypatch):
    clock = ScriptedClock([])
    monkeypatch.setattr(time, "perf_counter", clock)

    class Pending:  # a result whose wait takes 5 s, like an array still being computed
        def block_until_ready(self):
            clock.now += 5.0
            return self

    timing = jax101.time_call(Pending, repeats=1, warmup=0)
    assert timing.runs == (5.0,)


def test_timing_prints_in_readable_units():
    assert str(jax101.Timing(0.0015, 0.001, (0.001, 0.0015, 0.002))) == (
        "1.5 ms median of 3 (best 1 ms)"
    )
    assert str(jax101.Timing(2e-6, 5e-7, (5e-7, 2e-6))) == "2 µs median of 2 (best 500 ns)"
    assert str(jax101.Timing(3.0, 2.5, (2.5, 3.0))) == "3 s median of 2 (best 2.5 s)"


@pytest.mark.parametrize(
    ("repeats", "warmup"), [pytest.param(0, 1, id="no-repeats"), pytest.param(1, -1, id="warmup")]
)
def test_time_call_rejects_bad_counts(repeats: int, warmup: int):
    with pytest.raises(ValueError, match=f"repeats={repeats}, warmup={warmup}"):
        jax101.time_call(jnp.sin, 1.0, repeats=repeats, warmup=warmup)


def test_provenance_names_versions_backend_and_devices():
    record = jax101.provenance()
    assert record.jax_version == jax.__version__
    assert record.jaxlib_version == importlib.metadata.version("jaxlib")
    assert record.backend == jax.default_backend()
    assert f"{jax.device_count()} x " in record.devices
    assert record.python_version == platform.python_version()
    assert f"JAX {jax.__version__}" in str(record)


def test_provenance_counts_the_checks_passed_so_far():
    before = jax101.provenance().checks
    jax101.check(True, claim="a claim that holds")
    assert jax101.provenance().checks == before + 1
