"""A small mutation-testing harness: does a wrong helper make its focused tests fail?

Each mutant changes one thing in one module of ``src/jax101`` (an arithmetic or comparison
operator, ``and``/``or``, a removed ``not``, a numeric or boolean constant, a returned value
replaced by ``None``). The mutant is written into a temporary copy of the package, and the
module's focused tests plus its doctests run against it in a subprocess (``-x``, so the first
failure ends the run). A mutant whose tests still pass *survives*: a false claim that the
tests let through. Equivalent mutants (no test can tell them apart from the original) are
listed in :data:`EQUIVALENT` with the reason, and are not counted.

Usage: ``python tools/mutants.py [--jobs N] [MODULE ...]`` (``nox -s mutants`` runs it).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import copy
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module file (relative to src/jax101) -> the focused test files that must kill its mutants
MODULES: dict[str, list[str]] = {
    "_checks.py": ["tests/test_checks.py"],
    "_timing.py": ["tests/test_timing_and_provenance.py", "tests/test_timing_edges.py"],
    "_alternate.py": ["tests/test_performance_helpers.py", "tests/test_timing_edges.py"],
    "_hlo.py": ["tests/test_hlo.py", "tests/test_hlo_edges.py"],
    "_roofline.py": ["tests/test_performance_helpers.py", "tests/test_timing_edges.py"],
}

# (module, the mutated line's stripped source, the node's column, mutation) -> why no test
# can kill it (the column tells apart two mutants of one line)
EQUIVALENT: dict[tuple[str, str, int, str], str] = {
    ("_hlo.py", 'rest = rhs.split(" ", 1)[1]', 30, "1 -> 2"): "an HLO type holds no space, "
    "so the second piece is the opcode and its operands whether the split stops after 1 or 2",
    ("_hlo.py", 'return rest.split("(", 1)[0].strip()', 27, "1 -> 2"): "only the piece before "
    "the first '(' is kept, however many more splits are made",
    ("_hlo.py", "rest = rhs[at + 1 :].lstrip()", 32, "1 -> 2"): "the character after a tuple "
    "type's ')' is the space before the opcode, which lstrip() removes anyway",
    ("_checks.py", "_passed = 0", 10, "0 -> 1"): "the counter's start value is never observed: "
    "checks_passed() is only ever compared with an earlier reading of itself",
    (
        "_checks.py",
        "wrong = e + 0.5 * np.maximum(np.abs(e), 1.0)",
        12,
        "+ -> -",
    ): "the audit compares |wrong - e| only, and moving expected down by the same amount "
    "gives the same distance",
    (
        "_alternate.py",
        "while len(orders) < rounds:",
        10,
        "< -> <=",
    ): "the extra block it draws comes after the first ``rounds`` orders, and "
    "``orders[:rounds]`` cuts it off: the orders returned are the same",
}

_BINOPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
_CMPOPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
    ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
    ast.NotIn: "not in", ast.And: "and", ast.Or: "or",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One change to one module: where it is, what it does, and the mutated source."""

    module: str
    line: int
    column: int
    line_text: str
    mutation: str
    source: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        """The key of :data:`EQUIVALENT` that names this mutant."""
        return (self.module, self.line_text, self.column, self.mutation)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (never mutated)."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def _changes(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """Yield (description, replacement node) for each mutation of ``node``."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        new = _BINOPS[type(node.op)]
        yield (
            f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[new]}",
            ast.BinOp(node.left, new(), node.right),
        )
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _CMPOPS:
                new = _CMPOPS[type(op)]
                ops = [*node.ops[:i], new(), *node.ops[i + 1 :]]
                yield (
                    f"{_SYMBOLS[type(op)]} -> {_SYMBOLS[new]}",
                    ast.Compare(node.left, ops, node.comparators),
                )
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[new]}", ast.BoolOp(new(), node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not x -> x", node.operand
    elif isinstance(node, ast.Constant) and type(node.value) in (bool, int, float):
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", ast.Constant(not value)
        elif value == 0:
            yield f"{value!r} -> 1", ast.Constant(type(value)(1))
        else:
            yield f"{value!r} -> {value * 2!r}", ast.Constant(value * 2)
    elif isinstance(node, ast.Return) and not _returns_none(node):
        yield "return x -> return None", ast.Return(ast.Constant(None))


def _returns_none(node: ast.Return) -> bool:
    return node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)


class _Replace(ast.NodeTransformer):
    def __init__(self, index: int, replacement: ast.AST) -> None:
        self.index, self.replacement, self.seen = index, replacement, -1

    def visit(self, node: ast.AST) -> ast.AST:
        self.seen += 1
        if self.seen == self.index:
            return self.replacement
        return self.generic_visit(node)


def generate(module: str, source: str) -> list[Mutant]:
    """Return every mutant of ``source`` (the text of ``module``), in source order."""
    tree = ast.parse(source)
    lines = source.splitlines()
    skip = _docstring_nodes(tree)
    order: list[ast.AST] = []

    class _Order(ast.NodeVisitor):
        def visit(self, node: ast.AST) -> None:
            order.append(node)
            self.generic_visit(node)

    _Order().visit(tree)
    mutants = []
    for index, node in enumerate(order):
        if id(node) in skip:
            continue
        for description, replacement in _changes(node):
            mutated = _Replace(index, ast.copy_location(replacement, node)).visit(
                copy.deepcopy(tree)
            )
            line = getattr(node, "lineno", 0)
            mutants.append(
                Mutant(
                    module=module,
                    line=line,
                    column=getattr(node, "col_offset", 0),
                    line_text=lines[line - 1].strip() if line else "",
                    mutation=description,
                    source=ast.unparse(ast.fix_missing_locations(mutated)),
                )
            )
    return mutants


@dataclasses.dataclass
class Result:
    """What happened to one mutant."""

    mutant: Mutant
    killed: bool
    seconds: float


def run_tests(
    package: Path, module: str, tests: list[str], source: str | None, timeout: float
) -> bool:
    """Run the focused tests against a copy of ``package`` (with ``module`` replaced).

    Returns:
        True if the tests pass (the mutant survives), False if they fail or time out.
    """
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        copy_dir = Path(tmp) / "src" / package.name
        shutil.copytree(package, copy_dir, ignore=shutil.ignore_patterns("__pycache__"))
        if source is not None:
            (copy_dir / module).write_text(source)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        command += [*tests, str(copy_dir / module)]
        try:
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    """Mutate each module, run its focused tests per mutant, print the scores and survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES), help="module files")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once")
    parser.add_argument("--package", type=Path, default=ROOT / "src" / "jax101")
    args = parser.parse_args(argv)
    package: Path = args.package
    totals = [0, 0]
    for module in args.modules:
        tests = [t for t in MODULES[module] if (ROOT / t).exists()]
        start = time.perf_counter()
        if not run_tests(package, module, tests, None, timeout=600):
            print(f"{module}: the focused tests fail without a mutant; fix them first")
            return 2
        timeout = max(30.0, 5 * (time.perf_counter() - start))
        mutants = generate(module, (package / module).read_text())
        equivalent = [m for m in mutants if m.key in EQUIVALENT]
        counted = [m for m in mutants if m.key not in EQUIVALENT]

        def one(m: Mutant, tests: list[str] = tests, timeout: float = timeout) -> Result:
            t0 = time.perf_counter()
            survived = run_tests(package, m.module, tests, m.source, timeout)
            return Result(m, killed=not survived, seconds=time.perf_counter() - t0)

        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(one, counted))
        killed = sum(r.killed for r in results)
        totals[0] += killed
        totals[1] += len(results)
        score = 100.0 * killed / len(results) if results else 100.0
        print(f"{module}: {killed}/{len(results)} killed ({score:.1f} %), "
              f"{len(equivalent)} equivalent, tests: {' '.join(tests)}")  # fmt: skip
        for r in results:
            if not r.killed:
                where = f"{module}:{r.mutant.line}"
                print(f"  SURVIVED {where}: {r.mutant.mutation}   # {r.mutant.line_text}")
        for m in equivalent:
            print(f"  equivalent {module}:{m.line}: {m.mutation} ({EQUIVALENT[m.key]})")
        sys.stdout.flush()
    overall = 100.0 * totals[0] / totals[1] if totals[1] else 100.0
    print(f"overall: {totals[0]}/{totals[1]} killed ({overall:.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
