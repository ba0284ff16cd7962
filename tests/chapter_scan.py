"""Static rules for chapter sources: checks that can fail, no typed outputs, reproducible cells.

Four scans run over every ``docs/**/*.md``, in ``tests/test_chapter_rules.py`` and, with
``file:line`` output, in ``nox -s lint`` (``tools/lint_chapters.py``; see the "Two rules the
tests enforce" section of the Contributing page):

* :func:`weak_checks` parses each code cell and reports a call of ``check`` or
  ``check_close`` that cannot fail: its condition is a literal, it compares an expression
  with itself, or every value in it is *static* (built from literals with Python or NumPy
  only, so no value computed by JAX is involved).
* :func:`typed_numbers` reports decimal numbers and scientific notation typed into prose
  (outside code, inline code, roles, links and comments) that are not on the allow-list.
* :func:`global_random` reports a draw from NumPy's (or Python's) global random state and
  a generator created without a seed: either changes the page on every build.
* :func:`untagged_timings` reports a cell that times something (``%timeit``,
  ``time.perf_counter``, ``jax101.time_call``...) but is not tagged ``machine-dependent``.

:func:`chapter_findings` runs them all with their reviewed exceptions (the lists at the end
of this module). The cells are read by ``tools/chapter_cells.py``.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from chapter_cells import Block, blocks, python_source

CHECKS = {"check", "check_close"}
# Calls that compute from their arguments alone, without JAX: with static arguments the
# result is static too. Attribute calls on these modules count as well.
PURE_MODULES = {"math", "np", "numpy", "fractions", "statistics"}
PURE_BUILTINS = {
    "abs", "all", "any", "bool", "dict", "divmod", "float", "int", "len", "list", "max",
    "min", "pow", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple",
    "zip", "enumerate", "iter", "next", "map", "filter",
}  # fmt: skip
# JAX attributes that are constants of the library, not computed values: a check on them
# alone (``jnp.finfo(jnp.float32).eps > 1e-10``) tests a table, not a computation.
PURE_JAX_CALLS = {"jnp.finfo", "jnp.iinfo", "jnp.dtype"}
PURE_JAX = PURE_JAX_CALLS | {"jnp.float16", "jnp.float32", "jnp.float64", "jnp.bfloat16",
                             "jnp.int32", "jnp.int64", "jnp.bool_"}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One rule violation: the line in the ``.md`` file and what is wrong."""

    line: int
    message: str
    fix: str = ""  # what to do about it

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" + (f" ({self.fix})" if self.fix else "")


def _python(block: Block) -> str:
    """A code cell's source as plain Python, with the chapter's line numbering kept."""
    assert block.cell is not None
    padding = "\n" * (block.cell.source_line - block.start)
    return padding + python_source(block.cell.source)


# --- Checks that cannot fail ---------------------------------------------------------------


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


class _Static:
    """Which names hold static values (built from literals without JAX), cell after cell."""

    def __init__(self) -> None:
        self.static: set[str] = set()
        self.mutable: set[str] = set()  # changed in place somewhere: never static

    def is_static(self, node: ast.AST | None) -> bool:  # noqa: PLR0911 - one case per node type
        if node is None or isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return node.id in self.static and node.id not in self.mutable
        if isinstance(node, ast.Call):
            func = node.func
            pure = (
                (isinstance(func, ast.Name) and func.id in PURE_BUILTINS)
                or (isinstance(func, ast.Attribute) and _module_path(func.value))
                or (isinstance(func, ast.Attribute) and self.is_static(func.value))
                or ast.unparse(func) in PURE_JAX_CALLS
            )
            args = [*node.args, *(k.value for k in node.keywords)]
            return pure and all(self.is_static(a) for a in args)
        if isinstance(node, ast.Attribute):
            if ast.unparse(node) in PURE_JAX:
                return True
            return _module_path(node) or self.is_static(node.value)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = _Static()
            inner.static, inner.mutable = set(self.static), self.mutable
            for gen in node.generators:
                if not inner.is_static(gen.iter):
                    return False
                inner.static |= _target_names(gen.target)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            return all(inner.is_static(p) for p in parts)
        if isinstance(node, ast.Lambda):
            return False
        children = list(ast.iter_child_nodes(node))
        return all(self.is_static(c) for c in children if isinstance(c, ast.expr))

    def assign(self, targets: list[ast.expr], value: ast.AST | None) -> None:
        names = set().union(*(_target_names(t) for t in targets)) if targets else set()
        if self.is_static(value):
            self.static |= names
        else:
            self.static -= names

    def visit_module(self, tree: ast.Module) -> None:
        """Record assignments at module level (in order); function bodies are ignored."""
        for stmt in tree.body:
            self._visit_stmt(stmt)

    def _visit_stmt(self, stmt: ast.stmt) -> None:  # noqa: PLR0912 - one case per statement
        if isinstance(stmt, ast.Assign):
            self.assign(stmt.targets, stmt.value)
        elif isinstance(stmt, ast.AugAssign):  # x += v: static only if x and v both are
            was_static = self.is_static(stmt.target)
            self.assign([stmt.target], stmt.value)
            if not was_static:
                self.static -= _target_names(stmt.target)
        elif isinstance(stmt, ast.AnnAssign):
            self.assign([stmt.target], stmt.value)
        elif isinstance(stmt, ast.For):
            if self.is_static(stmt.iter):
                self.static |= _target_names(stmt.target)
            else:
                self.static -= _target_names(stmt.target)
            for inner in stmt.body + stmt.orelse:
                self._visit_stmt(inner)
        elif isinstance(stmt, ast.With):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.static -= _target_names(item.optional_vars)
            for inner in stmt.body:
                self._visit_stmt(inner)
        elif isinstance(stmt, ast.If | ast.Try | ast.While):
            for field in ("body", "orelse", "finalbody"):
                for inner in getattr(stmt, field, []):
                    self._visit_stmt(inner)
            for handler in getattr(stmt, "handlers", []):
                for inner in handler.body:
                    self._visit_stmt(inner)
        elif isinstance(stmt, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
            names = (
                {stmt.name}
                if isinstance(stmt, ast.FunctionDef | ast.ClassDef)
                else {(a.asname or a.name).split(".")[0] for a in stmt.names}
            )
            self.static -= names


def _module_path(node: ast.AST) -> bool:
    """Whether ``node`` is a pure module or a dotted name inside one (``np.linalg``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in PURE_MODULES


def _root(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _check_problem(call: ast.Call, static: _Static) -> str:  # noqa: PLR0911
    """Say why a ``check``/``check_close`` call cannot fail, or return ``""``."""
    name = _call_name(call)
    if name == "check":
        condition = call.args[0] if call.args else None
        if condition is None:
            return ""
        if isinstance(condition, ast.Constant):
            return "its condition is the literal " + repr(condition.value)
        if (
            isinstance(condition, ast.Compare)
            and len(condition.comparators) == 1
            and _same(condition.left, condition.comparators[0])
        ):
            return "it compares an expression with itself"
        if static.is_static(condition):
            return "its condition involves no value computed by JAX (only literals)"
        return ""
    if len(call.args) < 2:
        return ""
    actual, expected = call.args[0], call.args[1]
    if _same(actual, expected):
        return "it compares an expression with itself"
    if static.is_static(actual) and static.is_static(expected):
        return "actual and expected involve no value computed by JAX (only literals)"
    return ""


def _mutated(cells: list[list[ast.AST]]) -> set[str]:
    """Names whose object is changed in place somewhere (``x.append(...)``, ``x[k] = v``)."""
    names = set()
    for nodes in cells:
        for node in nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                names.add(_root(node.func.value))
            elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(
                node.ctx, ast.Store
            ):
                names.add(_root(node))
            elif isinstance(node, ast.Global | ast.Nonlocal):
                names.update(node.names)
    return names - PURE_MODULES


def weak_checks(source: str) -> list[Finding]:
    """Report the ``check``/``check_close`` calls of a chapter that cannot fail."""
    cells, errors = _parse(source)
    findings = list(errors)
    static = _Static()
    static.mutable = _mutated([cell.nodes for cell in cells])
    for cell in cells:
        checks = [n for n in cell.nodes if isinstance(n, ast.Call) and _call_name(n) in CHECKS]
        checks.sort(key=lambda n: (n.lineno, n.col_offset))
        # Assignments take effect in order; a check sees the names bound before its statement.
        for stmt in cell.tree.body:
            last = stmt.end_lineno or stmt.lineno
            while checks and checks[0].lineno <= last:
                node = checks.pop(0)
                problem = _check_problem(node, static)
                if problem:
                    line = cell.block.start + node.lineno - 1
                    findings.append(Finding(line, f"{_call_name(node)}: {problem}"))
            static.visit_module(ast.Module(body=[stmt], type_ignores=[]))
    return findings


# --- Cells whose outputs change from build to build -------------------------------------

MACHINE_DEPENDENT = "machine-dependent"  # the tag of cells whose outputs may vary run to run
# NumPy's explicit interface, whose generators take a seed; every other function of
# ``numpy.random`` draws from (or seeds) one hidden global state.
NUMPY_SEEDED = {"default_rng", "Generator", "SeedSequence", "BitGenerator", "PCG64",
                "PCG64DXSM", "Philox", "SFC64", "MT19937", "RandomState"}  # fmt: skip
NUMPY_TAKES_NO_SEED = {"Generator", "BitGenerator"}  # they wrap a seeded bit generator
# The Generator method that replaces a legacy global-state function.
NUMPY_METHOD = {"randn": "standard_normal", "rand": "random", "randint": "integers",
                "random_sample": "random", "ranf": "random", "sample": "random",
                "random_integers": "integers", "seed": "normal"}  # fmt: skip
TIMERS = {"time.perf_counter", "time.perf_counter_ns", "time.time", "time.time_ns",
          "time.monotonic", "time.monotonic_ns", "time.process_time",
          "time.process_time_ns", "timeit.timeit", "timeit.repeat", "timeit.Timer",
          "timeit.default_timer"}  # fmt: skip
# The package's functions that time (directly or through one another); the test
# ``test_the_package_timers_are_all_known`` derives this set from src/jax101.
PACKAGE_TIMERS = {"jax101.time_call", "jax101.time_compile", "jax101.time_alternately",
                  "jax101.roofline", "jax101.run_benchmark"}  # fmt: skip
_TIMING_MAGIC = re.compile(r"^\s*(?:[\w.]+\s*=\s*)?%%?(time|timeit|prun)\b")


class _Imports:
    """What each name of a chapter refers to (``np`` -> ``numpy``), from its imports."""

    def __init__(self) -> None:
        self.names = {"np": "numpy", "numpy": "numpy", "jax101": "jax101"}

    def record(self, nodes: list[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def resolve(self, node: ast.AST) -> str:
        """``np.random.randn`` -> ``"numpy.random.randn"``; ``""`` for anything else."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.names:
            return ""
        return ".".join([self.names[node.id], *reversed(parts)])


@dataclass(frozen=True)
class _Parsed:
    block: Block
    tree: ast.Module
    nodes: list[ast.AST]  # every node, from ast.walk


@functools.lru_cache(maxsize=4)
def _parse(source: str) -> tuple[list[_Parsed], list[Finding]]:
    """The code cells of a chapter that parse, with their syntax trees and all their nodes
    (parsed and walked once for all the rules), and a finding for each cell that does not."""
    parsed, errors = [], []
    for block in blocks(source):
        if block.kind == "code-cell":
            try:
                tree = ast.parse(_python(block))
                parsed.append(_Parsed(block, tree, list(ast.walk(tree))))
            except SyntaxError as error:
                line = block.start + (error.lineno or 1) - 1
                errors.append(Finding(line, f"syntax: {error}"))
    return parsed, errors


def _unseeded(call: ast.Call) -> bool:
    """Whether a generator is created without a seed (no argument, or ``None``)."""
    seeds = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "seed")]
    return not seeds or all(isinstance(s, ast.Constant) and s.value is None for s in seeds)


def global_random(source: str) -> list[Finding]:
    r"""Report draws from NumPy's (or Python's) global random state, and unseeded generators.

    Either makes a page change on every build (or depend on which cells ran before).

    Examples:
        >>> page = "```{code-cell}\nimport numpy as np\nx = np.random.randn(3)\n"
        >>> page += "rng = np.random.default_rng()\nok = np.random.default_rng(0)\n```\n"
        >>> [(f.line, f.message) for f in global_random(page)]  # doctest: +NORMALIZE_WHITESPACE
        [(3, "np.random.randn draws from NumPy's global random state"),
         (4, 'np.random.default_rng() is an unseeded generator')]
    """
    findings = []
    names = _Imports()
    for cell in _parse(source)[0]:
        block = cell.block
        names.record(cell.nodes)
        calls = {id(n.func): n for n in cell.nodes if isinstance(n, ast.Call)}
        for node in cell.nodes:
            if not isinstance(node, ast.Attribute | ast.Name) or isinstance(node.ctx, ast.Store):
                continue
            path = names.resolve(node)
            module, _, function = path.rpartition(".")
            if module not in {"numpy.random", "random"} or not function:
                continue
            if module == "random" and function == "Random":
                seeded = {"Random"}
            else:
                seeded = NUMPY_SEEDED if module == "numpy.random" else set()
            line = block.start + node.lineno - 1
            shown = ast.unparse(node)
            call = calls.get(id(node))
            if function not in seeded:
                state = "NumPy's" if module == "numpy.random" else "Python's"
                verb = "seeds" if function == "seed" else "draws from"
                method = NUMPY_METHOD.get(function, function)
                findings.append(
                    Finding(
                        line,
                        f"{shown} {verb} {state} global random state",
                        f"draw from a seeded generator: rng = np.random.default_rng(0), then "
                        f"rng.{method}(...) (or jax.random with a key)",
                    )
                )
            elif call and function not in NUMPY_TAKES_NO_SEED and _unseeded(call):
                findings.append(
                    Finding(
                        line,
                        f"{ast.unparse(call)} is an unseeded generator",
                        f"give it a seed: {shown}(0)",
                    )
                )
    return findings


def _timer(node: ast.AST, names: _Imports, timing: set[str]) -> str:
    """The timer a call uses (``time.perf_counter``), or ``""``."""
    if not isinstance(node, ast.Call):
        return ""
    path = names.resolve(node.func)
    if path in timing or path.startswith("jax101.time_"):
        return path
    return ""


def _inside(node: ast.AST, definitions: list[ast.stmt]) -> bool:
    """Whether ``node`` lies within one of ``definitions`` (by line)."""
    line = getattr(node, "lineno", 0)
    return any(d.lineno <= line <= (d.end_lineno or d.lineno) for d in definitions)


def untagged_timings(source: str) -> list[Finding]:
    r"""Report cells that time something but are not tagged ``machine-dependent``.

    A cell times something when it runs a timing magic (``%timeit``, ``%%time``), a clock
    (``time.perf_counter``, ``timeit``), one of the package's timers (``jax101.time_*``,
    :data:`PACKAGE_TIMERS`) or a function the chapter defined that does; a definition alone
    times nothing.

    Examples:
        >>> page = "```{code-cell}\nimport time\ndef clock():\n    return time.time()\n```\n"
        >>> page += "```{code-cell}\nt = clock()\n```\n```{code-cell}\n%timeit f()\n```\n"
        >>> page += "```{code-cell}\n:tags: [machine-dependent]\nt = clock()\n```\n"
        >>> [(f.line, f.message) for f in untagged_timings(page)]  # doctest: +NORMALIZE_WHITESPACE
        [(7, 'this cell times something (clock) but is not tagged machine-dependent'),
         (10, 'this cell times something (%timeit) but is not tagged machine-dependent')]
    """
    findings = []
    names = _Imports()
    timing = TIMERS | PACKAGE_TIMERS
    for cell in _parse(source)[0]:
        block = cell.block
        names.record(cell.nodes)
        kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        definitions = [n for n in cell.nodes if isinstance(n, kinds)]
        calls = [n for n in cell.nodes if isinstance(n, ast.Call)]
        for stmt in cell.tree.body:
            if isinstance(stmt, ast.FunctionDef) and any(
                _timer(node, names, timing) for node in calls if _inside(node, [stmt])
            ):
                timing = timing | {stmt.name}
                names.names.setdefault(stmt.name, stmt.name)
        assert block.cell is not None
        if block.cell.has_tag(MACHINE_DEPENDENT):
            continue
        used = []
        for k, text in enumerate(block.cell.source.split("\n")):
            if magic := _TIMING_MAGIC.match(text):
                prefix = "%%" if text.lstrip().startswith("%%") else "%"
                used.append((block.cell.source_line + k, prefix + magic[1]))
        for node in calls:
            if not _inside(node, definitions) and (name := _timer(node, names, timing)):
                used.append((block.start + getattr(node, "lineno", 1) - 1, name))
        if used:
            line, name = min(used)
            findings.append(
                Finding(
                    line,
                    f"this cell times something ({name}) but is not tagged {MACHINE_DEPENDENT}",
                    f"add the tag under the cell's fence (line {block.cell.line}): "
                    f":tags: [{MACHINE_DEPENDENT}], so that the reproducibility check "
                    "expects its outputs to change",
                )
            )
    return findings


# --- Typed numbers in prose ----------------------------------------------------------------

# Removed before scanning: roles ({glue:text}`...`, {func}`...`), inline code, link targets,
# bare URLs, HTML comments, labels, and LaTeX commands whose arguments are names.
_STRIP = [
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"\{[\w:-]+\}`[^`]*`"),
    re.compile(r"``[^`]*``|`[^`]*`"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"<https?://[^>]*>|https?://\S+"),
    re.compile(r"^\(\w[\w-]*\)=$", re.M),
    re.compile(r"^:[\w-]+:.*$", re.M),
]
# A decimal number (2.5, .5, 0.41) or scientific notation (1e-5, 3 \times 10^{-2}, 10^{-44}),
# wherever it stands in the sentence: before a full stop, a comma or a bracket too. Not part
# of a word or of a dotted version (v1.2, 0.4.30); integers (a 4-by-3 shape, seed 0) are not
# scanned at all.
_NUMBER = re.compile(
    r"(?<![\w.])(?:\d+(?:\.\d+)?\s*\\times\s*)?10\^\{?-?\d+\}?"
    r"|(?<![\w.])\d*\.\d+(?:[eE][-+]?\d+)?(?!\w|\.\d)"
    r"|(?<![\w.])\d+[eE][-+]?\d+(?!\w|\.\d)"
)


def typed_numbers(source: str, allowed: dict[str, str]) -> list[Finding]:
    """Report typed decimals and scientific notation in prose, except allowed ones.

    ``allowed`` maps an exact phrase that contains an input number (as it appears in the
    prose, e.g. ``"learning rate of 0.1"``) to the reason it is allowed.
    """
    findings = []
    for block in blocks(source):
        if block.kind != "prose":
            continue
        text = block.text
        for phrase in allowed:
            text = text.replace(phrase, " " * len(phrase))
        for pattern in _STRIP:
            text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        for match in _NUMBER.finditer(text):
            line = block.start + text.count("\n", 0, match.start())
            findings.append(Finding(line, f"typed number {match.group(0)!r} in prose"))
    return findings


# --- Glossary links -------------------------------------------------------------------------

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "appendix" / "glossary.md"
_TERM_ROLE = re.compile(r"\{term\}`([^`<]*?)\s*(?:<([^>`]+)>)?`")
# How prose uses each glossary term (case-insensitive). A chapter whose prose matches must
# link the term at least once ({term}`...`); ``tests/test_glossary.py`` keeps the two lists
# equal. Patterns avoid the everyday senses of a word ("lower bound", "leaves it unchanged").
TERM_USES = {
    "abstract value": r"\babstract\s+values?\b",
    "asynchronous dispatch": r"\basynchronous(?:ly)?\s+dispatch",
    "batch axis": r"\bbatch\s+ax[ie]s\b",
    "carry": r"\b(?:the|its|a|scan's)\s+carry\b",
    "callback": r"\bcallbacks?\b",
    "checkpointing": r"\bcheckpointing\b|\brematerializ\w*",
    "collective": r"\bcollectives?\b",
    "compilation cache": r"\bcompilation\s+cache\b",
    "cotangent": r"\bcotangents?\b",
    "custom derivative rule": r"\bcustom\s+(?:JVP|VJP|derivative)\s+rules?\b",
    "device": r"\bdevices?\b",
    "donation": r"\bdonat(?:e|ed|es|ing|ion)\b",
    "explicit state": r"\bexplicit\s+state\b",
    "forward mode": r"\bforward[- ]mode\b",
    "functional update": r"\bfunctional\s+updates?\b",
    "gradient": r"\bgradients?\b",
    "hessian-vector product": r"\bHessian[- ]vector\s+products?\b",
    "hlo": r"(?-i:\b(?:Stable)?HLO\b)",
    "jacobian": r"\bJacobians?\b",
    "jaxpr": r"\bjaxprs?\b",
    "leaf": r"\bleaf\b|\b(?:the|its|their|every|each|pytree's|tree's)\s+leaves\b",
    "lowering": r"\blowering\b|\blowered\b",
    "mesh": r"\bmesh(?:es)?\b",
    "optimizer state": r"\boptimizer\s+states?\b",
    "partitionspec": r"(?-i:\bPartitionSpecs?\b)",
    "primitive": r"\bprimitives?\b",
    "prng key": r"\bPRNG\s+keys?\b|\brandom\s+keys?\b",
    "pure function": r"\bpure\s+functions?\b",
    "pytree": r"\bpytrees?\b",
    "ref": r"(?-i:\bRefs?\b)",
    "residual": r"\bresiduals\b|\bsaved\s+residual\b",
    "reverse mode": r"\breverse[- ]mode\b",
    "roofline": r"\broofline\b",
    "shard_map": r"(?-i:\bshard_map\b)",
    "sharding": r"\bshard(?:ing|ings|ed)\b",
    "split": r"\bsplit(?:s|ting)?\s+(?:the\s+|a\s+|one\s+|each\s+|its\s+)?keys?\b",
    "static argument": r"\bstatic\s+arguments?\b",
    "stop_gradient": r"\bstop_gradient\b",
    "structured control flow": r"\bstructured\s+control\s+flow\b",
    "tangent": r"\btangents?\b",
    "tracer": r"\btracers?\b",
    "tracing": r"\btracing\b",
    "vectorization": r"\bvectori[sz](?:e|ed|es|ing|ation)\b",
    "weak type": r"\bweak(?:ly)?[- ]typ(?:e|ed|es)\b",
    "xla": r"(?-i:\bXLA\b)",
}
# Prose that names nothing: code, roles, link text and targets, math, headings, labels.
_NOT_PROSE = [
    re.compile(r"\[[^\]]*\]\([^)]*\)"),
    *_STRIP,
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\$[^$\n]+\$"),
    re.compile(r"^#+ .*$", re.M),
]


@functools.cache
def glossary_terms() -> tuple[str, ...]:
    """The terms the glossary page defines, lower-cased (Sphinx looks terms up that way)."""
    text = GLOSSARY.read_text(encoding="utf8")
    body = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    return tuple(line.strip().lower() for line in body.splitlines() if line[:1].isalnum())


def linked_terms(source: str) -> set[str]:
    r"""The glossary terms a page links with ``{term}``, lower-cased.

    Examples:
        >>> sorted(linked_terms("A {term}`tracer` and {term}`PRNG keys <PRNG key>`."))
        ['prng key', 'tracer']
    """
    return {(target or text).strip().lower() for text, target in _TERM_ROLE.findall(source)}


def term_uses(source: str) -> dict[str, tuple[int, int, int]]:
    r"""Where the prose first uses each glossary term: term -> (line, start, end) in ``source``.

    Examples:
        >>> term_uses("# Tracer\nA tracer, `tracer` and $tracer$.\n")["tracer"][0]
        2
    """
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    found: dict[str, tuple[int, int, int]] = {}
    for block in blocks(source):
        if block.kind != "prose":
            continue
        text = block.text
        for pattern in _NOT_PROSE:
            text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        base = offsets[block.start - 1]
        for term, pattern in TERM_USES.items():
            match = re.search(pattern, text, re.IGNORECASE)
            if match and term not in found:
                line = block.start + text.count("\n", 0, match.start())
                found[term] = (line, base + match.start(), base + match.end())
    return found


def unlinked_terms(source: str, other_senses: frozenset[str] = frozenset()) -> list[Finding]:
    """Report each glossary term an executed chapter uses but never links.

    ``other_senses``: terms the chapter uses only in another sense (a regression's residuals).
    """
    if "\njupytext:" not in source.split("\n---", 1)[0]:
        return []  # appendix pages (the glossary among them) are not chapters
    linked = linked_terms(source) | other_senses
    return [
        Finding(line, f"uses the glossary term {term!r} but never links it")
        for term, (line, _, _) in sorted(term_uses(source).items(), key=lambda kv: kv[1])
        if term not in linked
    ]


# --- Every rule, with its reviewed exceptions ------------------------------------------------

# Checks about NumPy or Python that a chapter makes on purpose, as a contrast with JAX:
# (chapter, text of the claim) -> why it is allowed.
CONTRAST_CHECKS = {
    ("random.md", "with NumPy's global seed"): "shows NumPy's hidden state, JAX's foil",
}

# Uses of a global random state that a chapter makes on purpose, as a contrast with JAX:
# (chapter, exact text of the line) -> why it is allowed.
CONTRAST_RANDOM = {
    ("random.md", "np.random.seed(0)"): "shows NumPy's hidden global state, JAX's foil",
    ("random.md", "_, u_second = np.random.normal(), np.random.uniform()"): (
        "the same demonstration: the draw depends on the calls before it"
    ),
    ("random.md", "u_first, _ = np.random.uniform(), np.random.normal()"): (
        "the same demonstration, seeded just before, so the page is the same on every build"
    ),
}

# Cells that time something for a later cell tagged machine-dependent, and whose own output
# is the same on every build: (chapter, exact text of the line) -> why it is allowed.
UNTAGGED_TIMINGS: dict[tuple[str, str], str] = {}

# Typed numbers that restate an input, a definition or a hand derivation, not an output:
# (chapter, exact phrase) -> why it is allowed.
TYPED_INPUTS = {
    ("advanced-autodiff.md", "relative error of\n$10^{-4}$"): "the check's stated tolerance",
    ("arrays.md", "$1 + 10^{-10}$"): "the input of the float32 rounding example",
    ("autodiff.md", "2.2 \\times 10^{-16}"): "float64 machine epsilon, a documented constant",
    ("control-flow.md", "at $x = 1.5$ with"): "the point the table differentiates at",
    ("control-flow.md", "conditionals at $x = 1.5$"): "the same evaluation point",
    ("control-flow.md", "$|y^2 - a| < 10^{-5} a$"): "the exercise's stopping rule, an input",
    ("control-flow.md", "at $x = 0.5$ and at $x = 2$"): "the exercise's evaluation points",
    ("logistic-regression.md", "((2, -1), -0.8)$"): "the true parameters, inputs of the data",
    ("logistic-regression.md", "$\\sigma(\\eta) > 0.5$"): "the decision threshold, a definition",
    ("logistic-regression.md", "loss of about\n0.41 and an accuracy of about 0.80"): (
        "figures of the source notebook, quoted as such and checked as a neighbourhood"
    ),
    ("logistic-regression.md", "drops below $10^{-6}$"): "the threshold of the count, an input",
    ("logistic-regression.md", "$\\lambda = 0.1$"): "the exercise's regularization, an input",
    ("logistic-regression.md", "within $10^{-3}$"): "the exercise's target, an input",
    ("logistic-regression.md", "learning rate $3 \\times\n10^{-2}$"): "the exercise's input",
    ("logistic-regression.md", "so at $3 \\times\n10^{-2}$"): "the exercise's learning rate",
    ("logistic-regression.md", "so at $3 \\times 10^{-2}$"): "the exercise's learning rate",
    ("pytrees.md", "$\\beta = 0.9$, $\\eta = 0.1$"): "the exercise's optimizer settings",
    ("random.md", "$e \\sim \\mathcal N(0, 0.5^2)$"): "the noise scale, an input",
    ("random.md", "scaled by 0.5"): "the noise scale, an input",
    ("random.md", "\\sqrt{1 + 0.25} \\approx 1.118"): "derived by hand from the inputs",
    ("random.md", "$e = 0.5x$ gives $y = 1.5x$"): "derived by hand from the inputs",
    ("random.md", "= 1.5\\,\\operatorname"): "derived by hand from the inputs",
    ("random.md", "stretched by 1.5"): "derived by hand from the inputs",
    ("random.md", "find slope 1.5"): "derived by hand from the inputs",
    ("random.md", "$b = -0.8$"): "the true bias of the data set, an input",
    ("sharp-bits.md", "$10^{-8}$ added to 1"): "the input of the rounding example",
}


# Words a chapter uses only in a sense other than the glossary's: (chapter, term) -> sense.
OTHER_SENSES = {
    ("autodiff.md", "residual"): "a regression's residuals, not the values AD saves",
    ("logistic-regression.md", "checkpointing"): "saving a training run, not rematerialization",
}


# Every rule: name -> what it guards (the order in which ``nox -s lint`` lists findings).
RULES = {
    "weak-check": "every check can fail",
    "typed-number": "no typed outputs in prose",
    "global-random": "the same random numbers on every build",
    "untagged-timing": "timings are tagged machine-dependent",
    "unlinked-term": "a chapter links each glossary term it uses",
}
TYPED_FIX = (
    "glue it ({glue:text}`name`); if it restates an input, add the exact phrase and the "
    "reason to TYPED_INPUTS in tests/chapter_scan.py"
)
TERM_FIX = "link its first use in the prose: {term}`word` or {term}`words <glossary term>`"
WEAK_FIX = (
    "compare a value JAX computed with an independent expectation; a deliberate contrast "
    "with NumPy goes into CONTRAST_CHECKS in tests/chapter_scan.py"
)


def chapter_findings(name: str, source: str) -> dict[str, list[Finding]]:
    """Every rule's findings for the page ``docs/.../name``, its reviewed exceptions removed.

    ``tests/test_chapter_rules.py`` asserts there are none; ``tools/lint_chapters.py`` (so
    ``nox -s lint`` and pre-commit) prints them as ``docs/NAME.md:LINE: message (fix)``.
    """
    lines = source.splitlines()

    def line_has(finding: Finding, allowed: dict[tuple[str, str], str]) -> bool:
        text = lines[finding.line - 1] if finding.line <= len(lines) else ""
        return any(page == name and phrase == text for page, phrase in allowed)

    claims = [claim for (page, claim) in CONTRAST_CHECKS if page == name]
    weak = []
    for finding in weak_checks(source):
        # The claim text is on the check's line or in the next few lines of the call.
        call = "\n".join(lines[finding.line - 1 : finding.line + 4])
        if not any(claim in call for claim in claims):
            weak.append(Finding(finding.line, finding.message, WEAK_FIX))
    typed = {phrase: why for (page, phrase), why in TYPED_INPUTS.items() if page == name}
    return {
        "weak-check": weak,
        "typed-number": [
            Finding(f.line, f.message, TYPED_FIX) for f in typed_numbers(source, typed)
        ],
        "global-random": [f for f in global_random(source) if not line_has(f, CONTRAST_RANDOM)],
        "untagged-timing": [
            f for f in untagged_timings(source) if not line_has(f, UNTAGGED_TIMINGS)
        ],
        "unlinked-term": [
            Finding(f.line, f.message, TERM_FIX)
            for f in unlinked_terms(source, frozenset(t for p, t in OTHER_SENSES if p == name))
        ],
    }
