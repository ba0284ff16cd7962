"""Read optimized HLO: which operations a compiled function runs, counted by opcode.

``jax.jit(f).lower(*args).compile().as_text()`` is the program XLA will run after its
optimizations (fusion, copy insertion, buffer assignment). Its ``ENTRY`` computation lists the
top-level instructions; each fusion, dot, copy or custom call in it is one kernel.
"""

from __future__ import annotations

import re
from collections import Counter

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
