"""Edges of the HLO readers on hand-written HLO text: the expected counts are read off it."""

from __future__ import annotations

import pytest

from jax101 import _hlo

TEXT = """
ENTRY %main (p.1: f32[8]) -> (f32[], f32[2,4]) {
  %negate.0 = f32[8]{0} negate(f32[8]{0} %p.1)
  %p.1 = f32[8]{0} parameter(0)
  %bitcast.1 = f32[2,4]{1,0} bitcast(f32[8]{0} %negate.0)
  %reduce.1 = f32[] reduce(f32[8]{0} %p.1, f32[] %c), dimensions={0}, to_apply=%add
  ROOT %tuple.2 = (f32[], f32[2,4]{1,0}) tuple(f32[] %reduce.1, f32[2,4]{1,0} %bitcast.1)
}
"""


def test_hlo_ops_reads_entry_even_as_the_first_line_and_counts_every_instruction():
    ops = _hlo.hlo_ops(TEXT)  # the text starts with a newline, then ENTRY
    assert dict(ops) == {"negate": 1, "parameter": 1, "bitcast": 1, "reduce": 1, "tuple": 1}
    assert _hlo.count_kernels(TEXT) == 2  # negate and reduce; the rest moves no data


def test_hlo_ops_refuses_text_without_entry():
    with pytest.raises(ValueError, match="no ENTRY"):
        _hlo.hlo_ops("HloModule m\n%add (a: f32[]) -> f32[] {\n}\n")


def test_collectives_read_every_computation_with_their_operands():
    text = """HloModule m

%body (a: f32[4]) -> f32[4] {
  %a = f32[4]{0} parameter(0)
  ROOT %all-reduce.1 = f32[4]{0} all-reduce(f32[4]{0} %a), replica_groups=[1,4]<=[4], to_apply=%add
}

ENTRY %main (p: f32[2,4]) -> f32[8,4] {
  %p = f32[2,4]{1,0} parameter(0)
  ROOT %all-gather.1 = f32[8,4]{1,0} all-gather(f32[2,4]{1,0} %p), GROUPS, dimensions={0}
}
""".replace("GROUPS", "replica_groups={{0,1,2,3}}")
    assert dict(_hlo.collectives(text)) == {"all-reduce": 1, "all-gather": 1}
    buffers = {b.op: b for b in _hlo.collective_buffers(text)}
    assert buffers["all-reduce"] == ("all-reduce", 16, 16, 4)  # 4 float32, 4 devices per group
    assert buffers["all-gather"] == ("all-gather", 32, 128, 4)  # 8 in, 32 out


@pytest.mark.parametrize(
    ("type_", "size"),
    [("f32[2,4]{1,0}", 32), ("(bf16[8], s32[])", 20), ("pred[3]", 3), ("token[]", 0)],
)
def test_bytes_of_hlo_types(type_, size):
    assert _hlo._bytes(type_) == size


def test_split_top_keeps_bracketed_commas_together():
    text = "f32[2,4]{1,0} %a, (f32[], s32[3]) %b,  f32[] %c"
    assert _hlo._split_top(text) == ["f32[2,4]{1,0} %a", "(f32[], s32[3]) %b", "f32[] %c"]
