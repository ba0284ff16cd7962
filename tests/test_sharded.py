"""The data-parallel trainer: on 8 simulated devices it trains the single-device model.

The device count is fixed when JAX starts its backend, so the 8-device checks run in a
fresh Python process; the argument checks run here, on this process's devices.
"""

from __future__ import annotations

import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from booktools import run_script

import jax101

EIGHT_DEVICES = textwrap.dedent(
    """
    import json
    import jax
    jax.config.update("jax_num_cpu_devices", 8)
    import jax.numpy as jnp
    import numpy as np
    import optax
    import jax101

    mesh = jax.make_mesh((8,), ("data",))
    data = jax101.make_dataset(256, [2.0, -1.0], -0.8, key=jax.random.key(3))
    start = jax101.Params(w=jnp.zeros(2), b=jnp.zeros(()))
    optimizer = optax.adam(3e-2)
    sharded = jax101.shard_batch(data, mesh)
    dp, dp_history = jax101.train_sharded(start, sharded, optimizer, steps=200, mesh=mesh)
    one, one_history = jax101.train(start, data, optimizer, steps=200)

    step, one_step = jax101.make_sharded_step(optimizer, mesh), jax101.make_step(optimizer)
    p, s, q, t = start, optimizer.init(start), start, optimizer.init(start)
    for _ in range(5):
        p, s, m = step(p, s, sharded)
        q, t, n = one_step(q, t, data)
    text = step.lower(p, s, sharded).compile().as_text()
    odd = jax101.make_dataset(250, [2.0, -1.0], -0.8, key=jax.random.key(3))
    try:
        jax101.train_sharded(start, odd, optimizer, steps=1, mesh=mesh)
        odd_error = None
    except ValueError as error:
        odd_error = str(error)
    print(json.dumps({
        "devices": jax.device_count(),
        "shards": sorted({sh.data.shape[0] for sh in sharded.x.addressable_shards}),
        "shard_devices": len({sh.device for sh in sharded.x.addressable_shards}),
        "dp_loss": np.asarray(dp_history.loss).tolist(),
        "one_loss": np.asarray(one_history.loss).tolist(),
        "dp_params": [*np.asarray(dp.w).tolist(), float(dp.b)],
        "one_params": [*np.asarray(one.w).tolist(), float(one.b)],
        "replicated": dp.w.sharding.is_fully_replicated and m.loss.sharding.is_fully_replicated,
        "step_params": [*np.asarray(p.w).tolist(), float(p.b)],
        "one_step_params": [*np.asarray(q.w).tolist(), float(q.b)],
        "all_reduce": jax101.collectives(text)["all-reduce"] >= 1,
        "odd_error": odd_error,
    }))
    """
)


@pytest.fixture(scope="module")
def eight():
    """The results of training on 8 simulated CPU devices, from a fresh process."""
    return run_script(EIGHT_DEVICES)


def test_the_batch_is_split_over_eight_devices(eight):
    assert eight["devices"] == 8
    assert eight["shards"] == [256 // 8]
    assert eight["shard_devices"] == 8


def test_eight_devices_train_the_single_device_model(eight):
    # Only the order of float32 partial sums differs: equal to a few ulps per step.
    np.testing.assert_allclose(eight["dp_loss"], eight["one_loss"], rtol=1e-5)
    np.testing.assert_allclose(eight["dp_params"], eight["one_params"], rtol=1e-5, atol=1e-6)
    assert eight["dp_loss"][-1] < 0.99 * eight["dp_loss"][0]  # it did train


def test_the_sharded_step_matches_make_step_and_all_reduces(eight):
    np.testing.assert_allclose(eight["step_params"], eight["one_step_params"], rtol=1e-5)
    assert eight["replicated"]
    assert eight["all_reduce"]


def test_one_device_mesh_equals_train(key):
    mesh = jax.make_mesh((1,), ("data",), devices=jax.devices()[:1])
    data = jax101.make_dataset(32, [1.0, 0.5], 0.2, key=key)
    start = jax101.Params(w=jnp.zeros(2), b=jnp.zeros(()))
    _, sharded = jax101.train_sharded(start, data, optax.sgd(0.5), steps=30, mesh=mesh)
    _, single = jax101.train(start, data, optax.sgd(0.5), steps=30)
    np.testing.assert_allclose(sharded.loss, single.loss, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, r"steps must be an integer >= 1, got 0"),
        ({"steps": True}, r"steps must be an integer >= 1"),
        ({"steps": 3, "axis": "model"}, r"axis must be one of the mesh's axes \('data',\)"),
    ],
    ids=["zero-steps", "bool-steps", "unknown-axis"],
)
def test_bad_arguments_are_rejected(key, kwargs, message):
    mesh = jax.make_mesh((1,), ("data",), devices=jax.devices()[:1])
    data = jax101.make_dataset(8, [1.0, 0.5], 0.2, key=key)
    start = jax101.Params(w=jnp.zeros(2), b=jnp.zeros(()))
    with pytest.raises(ValueError, match=message):
        jax101.train_sharded(start, data, optax.sgd(0.1), mesh=mesh, **kwargs)


def test_a_batch_that_does_not_split_is_rejected(eight):
    assert eight["odd_error"] == (
        "the batch of 250 examples does not split evenly over the 8 devices of mesh axis "
        "'data'; use a batch size that is a multiple of 8."
    )


def test_shard_batch_on_a_2d_mesh_uses_the_named_axis(key):
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("data", "model"))
    data = jax101.make_dataset(7, [1.0, 0.5], 0.2, key=key)
    with pytest.raises(ValueError, match=r"axis must be one of the mesh's axes"):
        jax101.shard_batch(data, mesh, axis="batch")
    sharded = jax101.shard_batch(data, mesh, axis="model")
    assert sharded.x.sharding.spec == jax.sharding.PartitionSpec("model")
    np.testing.assert_array_equal(sharded.y, data.y)
