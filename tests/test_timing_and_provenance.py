"""Timing waits for results and validates its arguments; provenance describes this process."""

from __future__ import annotations

import importlib.metadata
import platform

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
