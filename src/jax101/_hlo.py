"""Read optimized HLO: which operations a compiled function runs, counted by opcode.

``jax.jit(f).lower(*args).compile().as_text()`` is the program XLA will run after its
optimizations (fusion, copy insertion, buffer assignment). Its ``ENTRY`` computation lists the
top-level instructions; each fusion, dot, copy or custom call in it is one kernel.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

# Instructions that name or regroup buffers without computing anything.
_STRUCTURAL = frozenset({"parameter", "constant", "tuple", "get-tuple-element", "bitcast"})
_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%[\w.\-]+\s*=\s*(.*)$")


def _opcode(rhs: str) -> str:
    if rhs.startswith("("):  # a tuple type such as (f32[], f32[64]{0})
        depth = 0
        for at, char in enumerate(rhs):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                rest = rhs[at + 1 :].lstrip()
                break
    else:
        rest = rhs.split(" ", 1)[1]
    return rest.split("(", 1)[0].strip()


def hlo_ops(hlo_text: str) -> Counter[str]:
    """Count the instructions of a compiled function's ``ENTRY`` computation by opcode.

    Args:
        hlo_text: Optimized HLO: ``jax.jit(f).lower(*args).compile().as_text()``.

    Returns:
        A :class:`collections.Counter` from opcode (``"fusion"``, ``"copy"``, ``"dot"``,
        ``"parameter"``, ...) to how many top-level instructions have it.

    Raises:
        ValueError: If the text has no ``ENTRY`` computation.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> x = jnp.ones(8)
        >>> ops = hlo_ops(jax.jit(lambda v: v.at[0].set(2.0)).lower(x).compile().as_text())
        >>> ops["parameter"], ops["copy"]
        (1, 1)

    See also: the chapter "Performance: measuring JAX honestly".
    """
    text = hlo_text
    start = text.find("\nENTRY ")
    if start < 0:
        msg = "no ENTRY computation in this HLO text; pass jax.jit(f).lower(...).compile()"
        raise ValueError(msg)
    ops: Counter[str] = Counter()
    for line in text[start + 1 :].splitlines()[1:]:
        if line.startswith("}"):
            break
        match = _INSTRUCTION.match(line)
        if match:
            ops[_opcode(match[1])] += 1
    return ops


def count_kernels(hlo_text: str) -> int:
    """Count the top-level instructions that compute: all but parameters, constants, tuples.

    Args:
        hlo_text: Optimized HLO: ``jax.jit(f).lower(*args).compile().as_text()``.

    Returns:
        The number of kernels (fusions, dots, copies, custom calls, ...) the program runs
        outside loops.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> x = jnp.ones(8)
        >>> count_kernels(jax.jit(lambda v: jnp.exp(jnp.sin(v) * 2.0)).lower(x).compile().as_text())
        1

    See also: the chapter "Performance: measuring JAX honestly".
    """
    return sum(n for op, n in hlo_ops(hlo_text).items() if op not in _STRUCTURAL)


# The collective opcodes of XLA's HLO. On GPU and TPU most of them run asynchronously and the
# text shows a pair (all-reduce-start ... all-reduce-done), with an optional -update between.
_COLLECTIVES = frozenset(
    {
        "all-gather",
        "all-reduce",
        "all-to-all",
        "collective-broadcast",
        "collective-permute",
        "ragged-all-to-all",
        "reduce-scatter",
    }
)
_DTYPE_BITS = {"pred": 8, "token": 0}  # the others carry their width in their name
_ARRAY = re.compile(r"\b([a-z]+)(\d*)(?:[a-z]\w*)?\[([^\]]*)\](\{[^}]*\})?")
_COMMENT = re.compile(r"/\*.*?\*/")
_GROUPS = re.compile(
    r"replica_groups=(\{(?:\{[\d,]*\},?)*\}|\[[\d,]+\]<=\[[\d,]+\](?:T\([\d,]+\))?)"
)


class _Instruction(NamedTuple):
    name: str
    type: str  # the result's type: f32[2,4]{1,0} or a tuple of types
    opcode: str
    operands: list[str]  # the operands' names, without the %
    attributes: str  # everything after the operand list


def _split_top(text: str) -> list[str]:
    """Split at the commas outside any bracket."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _parse(line: str) -> _Instruction | None:
    """One instruction line of HLO text, or None for any other line."""
    match = re.match(r"^\s*(?:ROOT\s+)?%?([\w.\-]+)\s*=\s*(.*)$", _COMMENT.sub("", line))
    if not match:
        return None
    name, rhs = match[1], match[2]
    opcode = _opcode(rhs) if " " in rhs or rhs.startswith("(") else ""
    head = rhs.find(f" {opcode}(") if opcode else -1
    if head < 0:
        return None
    type_, depth, at = rhs[:head].strip(), 0, len(rhs)
    for at in range(head + len(opcode) + 1, len(rhs)):
        depth += {"(": 1, ")": -1}.get(rhs[at], 0)
        if depth == 0:
            break
    operands = [p.split()[-1].lstrip("%") for p in _split_top(rhs[head + len(opcode) + 2 : at])]
    return _Instruction(name, type_, opcode, operands, rhs[at + 1 :])


def _instructions(hlo_text: str) -> list[list[_Instruction]]:
    """The instructions of every computation in the text, one list per computation."""
    computations: list[list[_Instruction]] = [[]]
    for line in hlo_text.splitlines():
        if line.rstrip().endswith("{") and " = " not in line:  # a computation's header
            computations.append([])
        elif (instruction := _parse(line)) is not None:
            computations[-1].append(instruction)
    return [c for c in computations if c]


def _collective(opcode: str) -> str | None:
    """The collective an opcode starts (all-reduce for all-reduce-start), else None."""
    base = opcode.removesuffix("-start")
    return base if base in _COLLECTIVES else None


def collectives(hlo_text: str) -> Counter[str]:
    """Count the collective operations in compiled HLO text, by name.

    An asynchronous collective, which XLA emits on GPU and TPU as a ``-start`` instruction
    followed by ``-done`` (and maybe ``-update``), counts once, under its plain name. Every
    computation of the text is read, not only ``ENTRY``: a collective inside a loop body or a
    wrapped computation counts once per appearance in the text, not once per execution.

    Args:
        hlo_text: Compiled HLO: ``jax.jit(f).lower(*args).compile().as_text()``.

    Returns:
        A :class:`collections.Counter` from collective name (``"all-reduce"``,
        ``"all-gather"``, ``"reduce-scatter"``, ``"all-to-all"``, ``"collective-permute"``,
        ...) to how many of them the program contains. Empty when it communicates nothing.

    Examples:
        An all-reduce as XLA writes it for a GPU, started and awaited:

        >>> text = '''
        ... ENTRY %main (p: f32[8]) -> f32[8] {
        ...   %p = f32[8]{0} parameter(0)
        ...   %all-reduce-start = f32[8]{0} all-reduce-start(%p), replica_groups={{0,1}}
        ...   ROOT %all-reduce-done = f32[8]{0} all-reduce-done(%all-reduce-start)
        ... }'''
        >>> collectives(text)
        Counter({'all-reduce': 1})

    See also: the chapter "Parallelism and sharding".
    """
    found: Counter[str] = Counter()
    for computation in _instructions(hlo_text):
        found.update(n for i in computation if (n := _collective(i.opcode)) is not None)
    return found


class CollectiveBuffers(NamedTuple):
    """The buffers of one collective in a compiled program, as one device sees them.

    Attributes:
        op: The collective's name: ``"all-gather"``, ``"reduce-scatter"``, ...
        operand_bytes: Bytes of its operands on one device: what the device puts in.
        result_bytes: Bytes of its result on one device: what the device gets back.
        group_size: Devices in each of its replica groups; None where the text lists none
            (``replica_groups={}`` means every device; ``collective-permute`` names pairs).

    See also: the chapter "Parallelism and sharding".
    """

    op: str
    operand_bytes: int
    result_bytes: int
    group_size: int | None


def _bytes(type_: str) -> int:
    """Bytes of every array in an HLO type such as f32[2,4]{1,0} or (bf16[8], s32[])."""
    total = 0
    for kind, width, dims, layout in _ARRAY.findall(type_):
        bits = _DTYPE_BITS.get(kind + width, int(width) if width else None)
        if bits is None:
            msg = f"unknown element type {kind + width!r} in HLO type {type_!r}"
            raise ValueError(msg)
        packed = re.search(r"E\((\d+)\)", layout)  # sub-byte types take a byte unless packed
        if packed:
            bits = int(packed[1])
        elif bits:
            bits = max(bits, 8)
        count = 1
        for dim in filter(None, dims.split(",")):
            count *= int(dim.strip().lstrip("<="))
        total += (count * bits + 7) // 8
    return total


def _group_size(attributes: str) -> int | None:
    match = _GROUPS.search(attributes)
    if match is None:
        return None
    groups = match[1]
    if groups.startswith("["):  # iota form: [number of groups, group size]<=[devices]
        return int(groups[1:].split("]")[0].split(",")[-1])
    first = re.search(r"\{([\d,]*)\}", groups[1:])
    return len(first[1].split(",")) if first and first[1] else None


def collective_buffers(hlo_text: str) -> list[CollectiveBuffers]:
    """List each collective of compiled HLO text with its per-device operand and result bytes.

    The sizes are read from the types in the text. An asynchronous pair counts once, with
    the operands of its ``-start`` and the result of its ``-done``.

    Args:
        hlo_text: Compiled HLO: ``jax.jit(f).lower(*args).compile().as_text()``.

    Returns:
        One :class:`CollectiveBuffers` per collective, in the order of the text.

    Raises:
        ValueError: If an operand is not defined in its computation, a ``-start`` has no
            ``-done``, or a type has an unknown element type.

    Examples:
        Eight devices gather a float32[2, 4] block each into the whole float32[16, 4]:

        >>> text = '''
        ... ENTRY %main (p: f32[2,4]) -> f32[16,4] {
        ...   %p = f32[2,4]{1,0} parameter(0)
        ...   %ag = (f32[2,4], f32[16,4]) all-gather-start(%p), replica_groups=[1,8]<=[8]
        ...   ROOT %done = f32[16,4]{1,0} all-gather-done(%ag)
        ... }'''
        >>> collective_buffers(text)
        [CollectiveBuffers(op='all-gather', operand_bytes=32, result_bytes=256, group_size=8)]

    See also: the chapter "Parallelism and sharding".
    """
    found = []
    for computation in _instructions(hlo_text):
        types = {i.name: i.type for i in computation}
        after = {
            o: i for i in computation if i.opcode.endswith(("-done", "-update")) for o in i.operands
        }
        for instruction in computation:
            op = _collective(instruction.opcode)
            if op is None:
                continue
            missing = [o for o in instruction.operands if o not in types]
            if missing:
                msg = f"{instruction.name}: operands {missing} are not defined in its computation"
                raise ValueError(msg)
            result = instruction
            while result.opcode.endswith(("-start", "-update")):
                if result.name not in after:
                    msg = f"{instruction.name}: no -done instruction takes this {result.opcode}"
                    raise ValueError(msg)
                result = after[result.name]
            found.append(
                CollectiveBuffers(
                    op,
                    sum(_bytes(types[o]) for o in instruction.operands),
                    _bytes(result.type),
                    _group_size(instruction.attributes),
                )
            )
    return found
