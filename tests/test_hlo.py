"""Reading collectives from compiled HLO: XLA:CPU's synchronous form and GPU's async pairs.

The fixtures are written by hand in the forms ``Compiled.as_text()`` prints: CPU programs
use one instruction per collective; GPU and TPU programs split most of them into a
``-start`` / ``-done`` pair whose ``-start`` has a tuple type. A real 8-device CPU program,
compiled in a fresh process, checks the parser against what XLA prints today.
"""

from __future__ import annotations

import textwrap
from collections import Counter

import pytest
from booktools import run_script

import jax101
from jax101 import CollectiveBuffers

# Shapes as XLA:CPU prints a shard_map over 8 devices: the instruction names come from
# JAX's primitives (psum, all_gather), not from the opcodes.
CPU_HLO = """HloModule jit_f, is_scheduled=true, entry_computation_layout={(f32[2,4]{1,0})->(f32[4]{0}, f32[16,4]{1,0})}, num_partitions=8

%region_1.0 (psum.0: f32[], psum.1: f32[]) -> f32[] {
  %psum.0 = f32[] parameter(0), metadata={op_name="psum"}
  %psum.1 = f32[] parameter(1), metadata={op_name="psum"}
  ROOT %add.0 = f32[] add(%psum.0, %psum.1), metadata={op_name="add"}
}

ENTRY %main.0_spmd (param.1: f32[2,4]) -> (f32[4], f32[16,4], f32[1,4], f32[2,4], f32[2,2]) {
  %param.1 = f32[2,4]{1,0} parameter(0), sharding={devices=[8,1]<=[8]}, metadata={op_name="b"}
  %all_gather.3 = f32[16,4]{1,0} all-gather(%param.1), channel_id=1, replica_groups={{0,1,2,3,4,5,6,7}}, dimensions={0}, use_global_device_ids=true, metadata={op_name="jit(f)/shard_map/all_gather"}
  %ppermute.3 = f32[2,4]{1,0} collective-permute(%param.1), channel_id=2, source_target_pairs={{0,1},{1,2},{2,3},{3,4},{4,5},{5,6},{6,7},{7,0}}, metadata={op_name="jit(f)/shard_map/ppermute"}
  %wrapped_reduce = f32[4]{0} fusion(%param.1), kind=kLoop, calls=%region_1.0, metadata={op_name="jit(f)/shard_map/reduce_sum"}
  %psum.7 = f32[4]{0} all-reduce(%wrapped_reduce), channel_id=3, replica_groups={{0,1,2,3,4,5,6,7}}, use_global_device_ids=true, to_apply=%region_1.0, metadata={op_name="jit(f)/shard_map/psum"}
  %reduce_scatter.7 = f32[1,4]{1,0} reduce-scatter(%all_gather.3), channel_id=4, replica_groups=[1,8]<=[8], use_global_device_ids=true, dimensions={0}, to_apply=%region_1.0
  %wrapped_slice = f32[1,2]{1,0} fusion(%param.1), kind=kLoop, calls=%region_1.0
  %wrapped_slice.1 = f32[1,2]{1,0} fusion(%param.1), kind=kLoop, calls=%region_1.0
  %all-to-all = (f32[1,2]{1,0}, f32[1,2]{1,0}) all-to-all(%wrapped_slice, /*index=1*/%wrapped_slice.1), channel_id=5, replica_groups={{0,1},{2,3},{4,5},{6,7}}, metadata={op_name="jit(f)/shard_map/all_to_all"}
  %get-tuple-element.2 = f32[1,2]{1,0} get-tuple-element(%all-to-all), index=0
  %get-tuple-element.3 = f32[1,2]{1,0} get-tuple-element(%all-to-all), index=1
  %concatenate = f32[2,2]{1,0} concatenate(%get-tuple-element.2, %get-tuple-element.3), dimensions={0}
  ROOT %tuple.5 = (f32[4]{0}, f32[16,4]{1,0}, f32[1,4]{1,0}, f32[2,4]{1,0}, f32[2,2]{1,0}) tuple(%psum.7, %all_gather.3, %reduce_scatter.7, %ppermute.3, %concatenate)
}
"""  # noqa: E501 - XLA prints one instruction per line

# The same kinds of collective as a GPU program prints them: async pairs, a combined
# all-reduce over a tuple, an -update between start and done, a collective inside a
# while loop's body, and an all-to-all wrapped in an async computation (unsugared form).
GPU_HLO = """HloModule jit_step, is_scheduled=true, num_partitions=8

%add (x: bf16[], y: bf16[]) -> bf16[] {
  %x = bf16[] parameter(0)
  %y = bf16[] parameter(1)
  ROOT %sum = bf16[] add(%x, %y)
}

%body (carry: (s32[], f32[64])) -> (s32[], f32[64]) {
  %carry = (s32[], f32[64]{0}) parameter(0)
  %i = s32[] get-tuple-element(%carry), index=0
  %v = f32[64]{0} get-tuple-element(%carry), index=1
  %all-reduce-start.1 = f32[64]{0} all-reduce-start(%v), channel_id=7, replica_groups=[2,4]<=[8], to_apply=%add
  %all-reduce-done.1 = f32[64]{0} all-reduce-done(%all-reduce-start.1)
  ROOT %next = (s32[], f32[64]{0}) tuple(%i, %all-reduce-done.1)
}

%cond (carry.1: (s32[], f32[64])) -> pred[] {
  %carry.1 = (s32[], f32[64]{0}) parameter(0)
  ROOT %go = pred[] constant(true)
}

%async_computation (param_0: f32[8,16]) -> f32[8,16] {
  %param_0 = f32[8,16]{1,0} parameter(0)
  ROOT %all-to-all.9 = f32[8,16]{1,0} all-to-all(%param_0), channel_id=9, replica_groups={{0,1,2,3,4,5,6,7}}, dimensions={0}
}

ENTRY %main (p0: bf16[1024], p1: bf16[256], p2: f32[2,4], p3: f32[8,16], p4: (s32[], f32[64])) -> bf16[128] {
  %p0 = bf16[1024]{0} parameter(0)
  %p1 = bf16[256]{0} parameter(1)
  %p2 = f32[2,4]{1,0} parameter(2)
  %p3 = f32[8,16]{1,0} parameter(3)
  %p4 = (s32[], f32[64]{0}) parameter(4)
  %all-reduce-start = (bf16[1024]{0}, bf16[256]{0}) all-reduce-start(%p0, %p1), channel_id=1, replica_groups={{0,1,2,3,4,5,6,7}}, to_apply=%add, backend_config={"collective_backend_config":{"is_sync":false}}
  %all-reduce-done = (bf16[1024]{0}, bf16[256]{0}) all-reduce-done(%all-reduce-start)
  %gte = bf16[1024]{0} get-tuple-element(%all-reduce-done), index=0
  %all-gather-start = (f32[2,4]{1,0}, f32[16,4]{1,0}) all-gather-start(%p2), channel_id=2, replica_groups=[1,8]<=[8], dimensions={0}, use_global_device_ids=true
  %all-gather-done = f32[16,4]{1,0} all-gather-done(%all-gather-start)
  %reduce-scatter-start = ((bf16[1024]{0}), bf16[128]{0}) reduce-scatter-start(%gte), channel_id=3, replica_groups={{0,1,2,3,4,5,6,7}}, dimensions={0}, to_apply=%add
  %reduce-scatter-update = ((bf16[1024]{0}), bf16[128]{0}) reduce-scatter-update(%reduce-scatter-start)
  %reduce-scatter-done = bf16[128]{0} reduce-scatter-done(%reduce-scatter-update)
  %collective-permute-start = (f32[2,4]{1,0}, f32[2,4]{1,0}, u32[], u32[]) collective-permute-start(%p2), channel_id=4, source_target_pairs={{0,1},{1,0}}
  %collective-permute-done = f32[2,4]{1,0} collective-permute-done(%collective-permute-start)
  %all-to-all-start = ((f32[8,16]{1,0}), f32[8,16]{1,0}) async-start(%p3), calls=%async_computation
  %all-to-all-done = f32[8,16]{1,0} async-done(%all-to-all-start)
  %loop = (s32[], f32[64]{0}) while(%p4), condition=%cond, body=%body
  %all-gather-fusion = f32[16,4]{1,0} fusion(%all-gather-done), kind=kLoop, calls=%add, metadata={op_name="all_gather"}
  ROOT %out = bf16[128]{0} copy(%reduce-scatter-done)
}
"""  # noqa: E501 - XLA prints one instruction per line


def test_cpu_collectives_are_counted_by_opcode_not_by_name():
    assert jax101.collectives(CPU_HLO) == Counter(
        {
            "all-gather": 1,
            "collective-permute": 1,
            "all-reduce": 1,
            "reduce-scatter": 1,
            "all-to-all": 1,
        }
    )


def test_gpu_async_pairs_count_once_under_their_plain_names():
    # The combined all-reduce over two buffers is one instruction; the one in the while
    # body is a second; the wrapped all-to-all counts once, from its computation.
    assert jax101.collectives(GPU_HLO) == Counter(
        {
            "all-reduce": 2,
            "all-gather": 1,
            "reduce-scatter": 1,
            "collective-permute": 1,
            "all-to-all": 1,
        }
    )


def test_done_and_update_alone_count_nothing():
    text = """ENTRY %main (p: f32[8]) -> f32[8] {
  %all-reduce-done = f32[8]{0} all-reduce-done(%all-reduce-start)
  %rs-update = f32[8]{0} reduce-scatter-update(%rs)
  ROOT %all-gather-done = f32[8]{0} all-gather-done(%ag)
}"""
    assert jax101.collectives(text) == Counter()


def test_a_program_without_collectives_gives_an_empty_counter():
    text = """ENTRY %main (p: f32[8]) -> f32[8] {
  %p = f32[8]{0} parameter(0)
  ROOT %all-reduce.fusion = f32[8]{0} fusion(%p), kind=kLoop, calls=%f, metadata={op_name="psum"}
}"""
    assert jax101.collectives(text) == Counter()


def test_cpu_buffers_are_read_from_the_operands_and_the_result():
    # f32 is 4 bytes: [2,4] 32, [16,4] 256, [4] 16, [1,4] 16, [1,2] 8.
    assert jax101.collective_buffers(CPU_HLO) == [
        CollectiveBuffers("all-gather", 32, 256, 8),
        CollectiveBuffers("collective-permute", 32, 32, None),
        CollectiveBuffers("all-reduce", 16, 16, 8),
        CollectiveBuffers("reduce-scatter", 256, 16, 8),
        CollectiveBuffers("all-to-all", 16, 16, 2),
    ]


def test_gpu_buffers_take_the_start_operands_and_the_done_result():
    # bf16 is 2 bytes: [1024] 2048, [256] 512, [128] 256; the permute's u32[] context
    # scalars in the -start tuple are not part of its result.
    assert jax101.collective_buffers(GPU_HLO) == [
        CollectiveBuffers("all-reduce", 64 * 4, 64 * 4, 4),
        CollectiveBuffers("all-to-all", 8 * 16 * 4, 8 * 16 * 4, 8),
        CollectiveBuffers("all-reduce", 2048 + 512, 2048 + 512, 8),
        CollectiveBuffers("all-gather", 32, 256, 8),
        CollectiveBuffers("reduce-scatter", 2048, 256, 8),
        CollectiveBuffers("collective-permute", 32, 32, None),
    ]


@pytest.mark.parametrize(
    ("groups", "size"),
    [
        pytest.param("{{0,1,2,3},{4,5,6,7}}", 4, id="explicit-two-groups"),
        pytest.param("{{0,1,2,3,4,5,6,7}}", 8, id="explicit-one-group"),
        pytest.param("[2,4]<=[8]", 4, id="iota"),
        pytest.param("[4,2]<=[2,4]T(1,0)", 2, id="iota-transposed"),
        pytest.param("{}", None, id="empty-means-all"),
    ],
)
def test_group_size_reads_each_replica_groups_form(groups, size):
    text = f"""ENTRY %main (p: f32[8]) -> f32[8] {{
  %p = f32[8]{{0}} parameter(0)
  ROOT %ar = f32[8]{{0}} all-reduce(%p), replica_groups={groups}, to_apply=%add
}}"""
    assert jax101.collective_buffers(text)[0].group_size == size


@pytest.mark.parametrize(
    ("type_", "nbytes"),
    [
        pytest.param("bf16[3,5]{1,0}", 30, id="bf16"),
        pytest.param("pred[10]{0}", 10, id="pred"),
        pytest.param("s4[16]{0}", 16, id="s4-a-byte-each"),
        pytest.param("s4[3]{0:E(4)}", 2, id="s4-packed-rounds-up"),
        pytest.param("f8e4m3fn[7]{0}", 7, id="f8"),
        pytest.param("c64[2]{0}", 16, id="c64"),
        pytest.param("f64[]", 8, id="scalar"),
        pytest.param("f32[<=6]{0}", 24, id="bounded-dynamic"),
    ],
)
def test_bytes_follow_the_element_type(type_, nbytes):
    text = f"""ENTRY %main (p: f32[8]) -> f32[8] {{
  %p = {type_} parameter(0)
  ROOT %ar = {type_} all-reduce(%p), replica_groups={{}}, to_apply=%add
}}"""
    assert jax101.collective_buffers(text)[0].operand_bytes == nbytes


def test_a_start_without_done_is_an_error():
    text = """ENTRY %main (p: f32[8]) -> f32[8] {
  %p = f32[8]{0} parameter(0)
  ROOT %s = f32[8]{0} all-reduce-start(%p), replica_groups={}, to_apply=%add
}"""
    with pytest.raises(ValueError, match="no -done instruction takes this all-reduce-start"):
        jax101.collective_buffers(text)


def test_an_undefined_operand_is_an_error():
    text = """ENTRY %main (p: f32[8]) -> f32[8] {
  ROOT %ar = f32[8]{0} all-reduce(%elsewhere), replica_groups={}, to_apply=%add
}"""
    with pytest.raises(ValueError, match=r"operands \['elsewhere'\] are not defined"):
        jax101.collective_buffers(text)


def test_an_unknown_element_type_is_an_error():
    text = """ENTRY %main (p: f32[8]) -> f32[8] {
  %p = weird[8]{0} parameter(0)
  ROOT %ar = f32[8]{0} all-reduce(%p), replica_groups={}, to_apply=%add
}"""
    with pytest.raises(ValueError, match="unknown element type 'weird'"):
        jax101.collective_buffers(text)


EIGHT_DEVICES = textwrap.dedent(
    """
    import json
    import jax
    jax.config.update("jax_num_cpu_devices", 8)
    import jax.numpy as jnp
    from jax.sharding import AxisType, PartitionSpec as P
    import jax101

    mesh = jax.make_mesh((8,), ("d",), axis_types=(AxisType.Auto,))

    def f(block):  # block: float32[8, 8] on each device
        ring = [(i, (i + 1) % 8) for i in range(8)]
        return (jax.lax.psum(block, "d"),
                jax.lax.all_gather(block, "d", tiled=True),
                jax.lax.psum_scatter(block, "d", tiled=True),
                jax.lax.ppermute(block, "d", ring),
                jax.lax.all_to_all(block, "d", 1, 1, tiled=True))

    specs = (P(), P(), P("d"), P("d"), P("d"))
    g = jax.shard_map(f, mesh=mesh, in_specs=P("d"), out_specs=specs, check_vma=False)
    text = jax.jit(g).lower(jnp.ones((64, 8))).compile().as_text()
    print(json.dumps({"counts": jax101.collectives(text),
                      "buffers": sorted(jax101.collective_buffers(text))}))
    """
)


def test_a_real_eight_device_program():
    found = run_script(EIGHT_DEVICES)
    names = ["all-gather", "all-reduce", "all-to-all", "collective-permute", "reduce-scatter"]
    assert found["counts"] == dict.fromkeys(names, 1)
    block = 8 * 8 * 4  # float32[8, 8] per device
    assert [tuple(b) for b in found["buffers"]] == [
        ("all-gather", block, 8 * block, 8),
        ("all-reduce", block, block, 8),
        ("all-to-all", block, block, 8),
        ("collective-permute", block, block, None),
        ("reduce-scatter", block, block // 8, 8),
    ]
