"""Static rules for chapter sources: checks that can fail, and no typed outputs in prose.

Two scans run over every ``docs/**/*.md`` (see ``test_chapter_rules.py`` and the
"Checks that can fail" section of the Contributing page):

* :func:`weak_checks` parses each code cell and reports a call of ``check`` or
  ``check_close`` that cannot fail: its condition is a literal, it compares an expression
  with itself, or every value in it is *static* (built from literals with Python or NumPy
  only, so no value computed by JAX is involved).
* :func:`typed_numbers` reports decimal numbers and scientific notation typed into prose
  (outside code, inline code, roles, links and comments) that are not on the allow-list.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

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

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


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


def _mutated(trees: list[ast.Module]) -> set[str]:
    """Names whose object is changed in place somewhere (``x.append(...)``, ``x[k] = v``)."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
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
    findings = []
    cells = []
    for block in blocks(source):
        if block.kind != "code-cell":
            continue
        try:
            cells.append((block, ast.parse(_python(block))))
        except SyntaxError as error:
            findings.append(Finding(block.start + (error.lineno or 1) - 1, f"syntax: {error}"))
    static = _Static()
    static.mutable = _mutated([tree for _, tree in cells])
    for block, tree in cells:
        # Assignments take effect in order; a check sees the names bound before its statement.
        for stmt in tree.body:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and _call_name(node) in CHECKS:
                    problem = _check_problem(node, static)
                    if problem:
                        line = block.start + node.lineno - 1
                        findings.append(Finding(line, f"{_call_name(node)}: {problem}"))
            static.visit_module(ast.Module(body=[stmt], type_ignores=[]))
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
# A decimal number (2.5, .5, 0.41) or scientific notation (1e-5, 3 \times 10^{-2}, 10^{-44}).
_NUMBER = re.compile(
    r"(?<![\w.])(?:\d+(?:\.\d+)?\s*\\times\s*)?10\^\{?-?\d+\}?"
    r"|(?<![\w.])\d*\.\d+(?:[eE][-+]?\d+)?(?![\w.])"
    r"|(?<![\w.])\d+[eE][-+]?\d+(?![\w.])"
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
