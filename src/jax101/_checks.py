"""Check helpers: every claim a chapter makes about an output is tested with one of these.

A failed check raises :class:`CheckFailed`, whose message states the claim, the expected
value and the actual value, so a broken build says which sentence of the book stopped
being true. Every check that passes is counted (see :func:`checks_passed`); the build report
lists the count per chapter.

A check that could not have failed proves nothing, so the helpers also refuse checks that
are unable to fail (the mutation audit, run on every call at negligible cost):
:func:`check_close` raises :class:`CheckCannotFail` when ``actual`` is the very object
passed as ``expected``, or when its tolerance would also accept a clearly wrong answer
(``expected`` moved by half its magnitude, or by 0.5 where that magnitude is below 1), and
:func:`check_primitives` raises it when it is given no primitive to look for or to exclude.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import jax
import numpy as np
from jax.typing import ArrayLike

if TYPE_CHECKING:
    import jax.extend.core

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_passed = 0


class CheckFailed(AssertionError):
    """A claim of the book no longer holds; the message says which, expected and actual."""


class CheckCannotFail(CheckFailed):
    """A check would pass whatever the code computed, so it proves nothing; fix the check."""


def _passed_one() -> None:
    global _passed  # noqa: PLW0603 - one counter per kernel is the point
    _passed += 1


def _fail(claim: str, expected: object, actual: object, detail: str = "") -> CheckFailed:
    lines = [f"Claim failed: {claim}", f"  expected: {expected}", f"  actual:   {actual}"]
    if detail:
        lines.append(f"  {detail}")
    return CheckFailed("\n".join(lines))


def checks_passed() -> int:
    """Return how many checks have passed in this Python process.

    Returns:
        The number of passed checks since the kernel started.

    Examples:
        >>> before = checks_passed()
        >>> check(1 + 1 == 2, claim="arithmetic still works")
        >>> checks_passed() - before
        1

    See also: :doc:`/appendix/contributing`, which explains how chapters use checks.
    """
    return _passed


def check(condition: bool, *, claim: str, actual: object = None) -> None:
    """Check that a boolean claim holds.

    Args:
        condition: The claim, evaluated.
        claim: The sentence the chapter makes, used in the failure message.
        actual: What was observed, shown in the failure message.

    Raises:
        CheckFailed: If ``condition`` is false.

    Examples:
        >>> check(3 > 2, claim="three exceeds two")
        >>> check(2 > 3, claim="two exceeds three", actual="2 <= 3")
        Traceback (most recent call last):
        ...
        jax101._checks.CheckFailed: Claim failed: two exceeds three
          expected: True
          actual:   2 <= 3
    """
    if not bool(condition):
        raise _fail(claim, True, condition if actual is None else actual)
    _passed_one()


def check_close(
    actual: ArrayLike,
    expected: ArrayLike,
    *,
    claim: str,
    rtol: float = 1e-6,
    atol: float = 0.0,
) -> None:
    """Check that ``actual`` equals ``expected`` within ``atol + rtol * |expected|``.

    Shapes must match exactly (no broadcasting), so a batch of results is never
    compared against a single number by accident.

    Args:
        actual: What the code produced.
        expected: The independent reference (a hand derivation, NumPy, a known value).
        claim: The sentence the chapter makes, used in the failure message.
        rtol: Relative tolerance.
        atol: Absolute tolerance.

    Raises:
        CheckFailed: If the shapes differ or any element is outside the tolerance.
        CheckCannotFail: If ``actual`` is ``expected`` itself (an array or list), or if the
            tolerance also accepts ``expected`` moved by ``0.5 * max(|expected|, 1)`` in
            every element (the mutation audit: such a check cannot tell right from wrong).

    Examples:
        >>> check_close(0.1 + 0.2, 0.3, rtol=1e-12, claim="0.1 + 0.2 is 0.3 up to rounding")
        >>> check_close([1.0, 2.0], [1.0, 2.5], atol=0.1, claim="the two vectors agree")
        Traceback (most recent call last):
        ...
        jax101._checks.CheckFailed: Claim failed: the two vectors agree
          expected: [1.  2.5]
          actual:   [1. 2.]
          max |actual - expected| = 0.5 > atol + rtol*|expected| (atol=0.1, rtol=1e-06)
        >>> check_close(0.3, 0.25, atol=1.0, claim="a tolerance as large as the values")
        Traceback (most recent call last):
        ...
        jax101._checks.CheckCannotFail: Claim failed: a tolerance as large as the values
          expected: a check that a wrong answer would fail
          actual:   atol=1, rtol=1e-06 also accept expected + 0.5*max(|expected|, 1)
    """
    if actual is expected and not isinstance(actual, int | float | complex):
        raise CheckCannotFail(
            str(_fail(claim, "actual and expected computed separately", "the same object"))
        )
    a = np.asarray(actual, dtype=np.float64 if not np.iscomplexobj(actual) else None)
    e = np.asarray(expected, dtype=np.float64 if not np.iscomplexobj(expected) else None)
    if a.shape != e.shape:
        raise _fail(claim, f"shape {e.shape}", f"shape {a.shape}")
    with np.errstate(invalid="ignore"):  # inf - inf: an equal infinity is no error
        error = np.where(a == e, 0.0, np.abs(a - e))
    if not np.all(error <= atol + rtol * np.abs(e)):
        detail = (
            f"max |actual - expected| = {np.max(error):.3g} > atol + rtol*|expected| "
            f"(atol={atol:g}, rtol={rtol:g})"
        )
        raise _fail(claim, e, a, detail)
    _audit_tolerance(e, rtol=rtol, atol=atol, claim=claim)
    _passed_one()


def _audit_tolerance(expected: np.ndarray, *, rtol: float, atol: float, claim: str) -> None:
    """Raise CheckCannotFail if a clearly wrong ``actual`` would pass the same tolerance."""
    finite = np.isfinite(expected)
    if not np.any(finite):
        return  # only infinities or NaNs are expected: nothing to move
    e = expected[finite]
    wrong = e + 0.5 * np.maximum(np.abs(e), 1.0)
    if np.all(np.abs(wrong - e) <= atol + rtol * np.abs(e)):
        raise CheckCannotFail(
            str(
                _fail(
                    claim,
                    "a check that a wrong answer would fail",
                    f"atol={atol:g}, rtol={rtol:g} also accept expected + 0.5*max(|expected|, 1)",
                )
            )
        )


@dataclasses.dataclass
class CaughtError:
    """The error caught by :func:`expect_error`; its fields are filled when the block exits."""

    type_name: str = ""
    message: str = ""

    def __str__(self) -> str:
        r"""``Type: first line``, without where a notebook cell's code lives on this machine.

        Examples:
            >>> str(CaughtError("ValueError", "f at TMP/ipykernel_7/12.py:3 failed\nmore"))
            'ValueError: f failed'
        """
        first_line = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return f"{self.type_name}: {_CELL_FILE.sub('', first_line)}"


# " at TMP/ipykernel_123/456.py:7" (or :7:30; TMP is the system's temporary folder): a cell's
# temporary file, which a message names when it points at the cell's code; it differs on
# every run and machine.
_CELL_FILE = re.compile(r" at \S*ipykernel_\d+/\S+?\.py(?::\d+)+")


@contextlib.contextmanager
def expect_error(
    expected_type: type[BaseException],
    *,
    claim: str,
    match: str | None = None,
    show: bool = True,
) -> Iterator[CaughtError]:
    """Run a block that must raise ``expected_type``, and show the error instead of crashing.

    Use this wherever a chapter demonstrates a mistake: if a JAX release stops raising,
    the build fails and says which claim broke.

    Args:
        expected_type: The exception class the block must raise (subclasses count).
        claim: The sentence the chapter makes, used in the failure message.
        match: Optional regular expression that the message must contain
            (``re.search``); match on structure, not on wording that varies across releases.
        show: Print ``Type: first line of the message`` when the error happens.

    Yields:
        An :class:`CaughtError` filled in with the type name and message on exit.

    Raises:
        CheckFailed: If the block raises nothing, another type, or a non-matching message.

    Examples:
        >>> with expect_error(ZeroDivisionError, claim="dividing by zero raises"):
        ...     1 / 0
        ZeroDivisionError: division by zero
        >>> with expect_error(KeyError, claim="a missing key raises"):
        ...     {"a": 1}["a"]
        Traceback (most recent call last):
        ...
        jax101._checks.CheckFailed: Claim failed: a missing key raises
          expected: KeyError raised
          actual:   no exception
    """
    caught = CaughtError()
    try:
        yield caught
    except expected_type as error:
        caught.type_name = type(error).__name__
        caught.message = str(error)
        if match is not None and not re.search(match, caught.message):
            raise _fail(claim, f"message matching {match!r}", repr(caught.message)) from error
        if show:
            print(caught)
        _passed_one()
    except Exception as error:
        raise _fail(
            claim, f"{expected_type.__name__} raised", f"{type(error).__name__}: {error}"
        ) from error
    else:
        raise _fail(claim, f"{expected_type.__name__} raised", "no exception")


def _primitive_names(jaxpr: jax.extend.core.Jaxpr) -> Iterator[str]:
    """Yield the primitive names of a jaxpr, descending into sub-jaxprs (pjit, cond, scan)."""
    for eqn in jaxpr.eqns:
        yield eqn.primitive.name
        for param in eqn.params.values():
            for sub in param if isinstance(param, list | tuple) else [param]:
                inner: Any = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    yield from _primitive_names(inner)


def check_primitives(
    closed_jaxpr: Any,
    *,
    claim: str,
    present: Iterable[str] = (),
    absent: Iterable[str] = (),
) -> list[str]:
    """Check which primitives a jaxpr contains, including nested jaxprs.

    Args:
        closed_jaxpr: The result of :func:`jax.make_jaxpr` (or a bare ``Jaxpr``).
        claim: The sentence the chapter makes, used in the failure message.
        present: Primitive names that must appear at least once.
        absent: Primitive names that must not appear.

    Returns:
        The primitive names in order of appearance, for counting in the chapter.

    Raises:
        CheckFailed: Listing every required primitive that is missing and every
            forbidden one that appears.
        CheckCannotFail: If both ``present`` and ``absent`` are empty.

    Examples:
        >>> import jax.numpy as jnp
        >>> jaxpr = jax.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0)
        >>> check_primitives(jaxpr, present=["sin", "mul"], absent=["cos"], claim="sin then mul")
        ['sin', 'mul']
        >>> check_primitives(jaxpr, present=["cos"], claim="the jaxpr uses cos")
        Traceback (most recent call last):
        ...
        jax101._checks.CheckFailed: Claim failed: the jaxpr uses cos
          expected: contains ['cos']
          actual:   primitives ['mul', 'sin']
          missing: ['cos']
    """
    present, absent = list(present), list(absent)
    if not present and not absent:
        raise CheckCannotFail(str(_fail(claim, "primitives to look for", "none given")))
    jaxpr = getattr(closed_jaxpr, "jaxpr", closed_jaxpr)
    names = list(_primitive_names(jaxpr))
    missing = [p for p in present if p not in names]
    forbidden = [p for p in absent if p in names]
    if missing or forbidden:
        expected = f"contains {list(present)}" + (f", lacks {list(absent)}" if absent else "")
        detail = "; ".join(
            part
            for part in (
                f"missing: {missing}" if missing else "",
                f"present but forbidden: {forbidden}" if forbidden else "",
            )
            if part
        )
        raise _fail(claim, expected, f"primitives {sorted(set(names))}", detail)
    _passed_one()
    return names


@dataclasses.dataclass
class Compilations:
    """What :func:`count_compilations` saw: how many XLA compilations, of which functions."""

    names: list[str] = dataclasses.field(default_factory=list)

    @property
    def count(self) -> int:
        """The number of XLA compilations seen."""
        return len(self.names)

    def expect(self, expected: int, *, claim: str) -> None:
        """Check the number of compilations seen.

        Args:
            expected: How many compilations the claim says happened.
            claim: The sentence the chapter makes, used in the failure message.

        Raises:
            CheckFailed: If the count differs, naming the compiled functions.
        """
        if self.count != expected:
            raise _fail(claim, f"{expected} compilation(s)", f"{self.count}: {self.names}")
        _passed_one()


@contextlib.contextmanager
def count_compilations() -> Iterator[Compilations]:
    """Count the XLA compilations that happen inside the block.

    Eager operations compile too (once per primitive, shape and dtype), so build the
    inputs before entering the block.

    Yields:
        A :class:`Compilations` record, filled while the block runs.

    Examples:
        >>> import jax.numpy as jnp
        >>> x, y, short = jnp.arange(3.0), jnp.ones(3), jnp.ones(2)
        >>> def cube(v):
        ...     return v**3
        >>> jitted = jax.jit(cube)
        >>> with count_compilations() as seen:
        ...     _ = jitted(x)
        ...     _ = jitted(y)  # same shape and dtype: cached
        ...     _ = jitted(short)  # new shape: compiles again
        >>> seen.expect(2, claim="cube compiles once per input shape")
        >>> seen.names
        ['jit(cube)', 'jit(cube)']
    """
    seen = Compilations()

    def listener(event: str, duration_secs: float, **kwargs: str | int) -> None:
        del duration_secs  # only which function compiled matters
        if event == _COMPILE_EVENT:
            seen.names.append(str(kwargs.get("fun_name", "?")))

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield seen
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
