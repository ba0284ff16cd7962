"""The grading machinery: exercise records, the registry, and :func:`grade`.

A grader is a function of the reader's answer that returns nothing when the answer is right
and raises ``Wrong`` (what is wrong, and a hint) when it is not. Graders never print or
return the reference solution: they compare the answer with values computed independently
(NumPy, a hand derivation, another JAX transformation) on inputs of their own, chosen to
catch the plausible mistakes (shapes, dtypes, batched axes, NaN at a kink, reused keys).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np

Status = Literal["correct", "wrong", "not answered", "wrong kind"]


class Wrong(Exception):
    """Raised by a grader: ``message`` says what is wrong, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class NotAnswered(Exception):
    """Raised by a grader when the answer is still the chapter's stub."""


class WrongKind(Exception):
    """Raised by a grader when the answer is not the kind of object the exercise asks for."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise of the book.

    Attributes:
        id: ``"chapter/N"``, as in the chapter's "Exercise N" heading.
        title: The exercise's title.
        answer: What the grader expects, in words ("a function ``dist(p, q)``").
        grader: Returns ``None`` for a right answer; raises ``Wrong``.
    """

    id: str
    title: str
    answer: str
    grader: Callable[[Any], None] = dataclasses.field(repr=False)

    @property
    def chapter(self) -> str:
        """The chapter's file name without ``.md``."""
        return self.id.split("/")[0]


class Grade(NamedTuple):
    """The verdict of :func:`grade`.

    Attributes:
        exercise_id: The exercise graded.
        status: ``"correct"``, ``"wrong"``, ``"not answered"`` or ``"wrong kind"``.
        message: The one line :func:`grade` printed.
    """

    exercise_id: str
    status: Status
    message: str

    @property
    def passed(self) -> bool:
        """True when the answer is correct."""
        return self.status == "correct"


EXERCISES: dict[str, Exercise] = {}
_correct: set[str] = set()  # the exercises answered correctly in this process


def exercise(
    exercise_id: str, title: str, answer: str
) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register the decorated grader as exercise ``exercise_id``."""

    def register(grader: Callable[[Any], None]) -> Callable[[Any], None]:
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id} is registered twice")
        EXERCISES[exercise_id] = Exercise(exercise_id, title, answer, grader)
        return grader

    return register


def _exercise_number(exercise_id: str) -> int:
    return int(exercise_id.rsplit("/", 1)[1])


def _lookup(exercise_id: str) -> Exercise:
    if exercise_id in EXERCISES:
        return EXERCISES[exercise_id]
    chapter = exercise_id.split("/", maxsplit=1)[0]
    same = sorted((e for e in EXERCISES if e.split("/")[0] == chapter), key=_exercise_number)
    if same:
        where = f"{chapter} has {same[0]} to {same[-1]}"
    else:
        chapters = sorted({e.split("/")[0] for e in EXERCISES})
        where = "chapters with exercises: " + ", ".join(chapters)
    raise KeyError(f"{exercise_id}: no such exercise; {where}")


def grade(exercise_id: str, answer: object, *, quiet: bool = False) -> Grade:
    """Grade a reader's answer to an exercise of the book and print one line.

    The line is "✓ correct", "not answered yet" for the chapter's stub, or what is wrong
    with a hint. It never shows the solution. Only an unknown ``exercise_id`` raises.

    Args:
        exercise_id: ``"chapter/N"``, e.g. ``"vmap/1"``; see ``EXERCISES``.
        answer: What the exercise asks for: a function, an array, a pytree.
        quiet: Return the verdict without printing it.

    Returns:
        The verdict; ``grade(...).passed`` is true for a correct answer.

    Raises:
        KeyError: No exercise has this id; the message lists the chapter's exercises.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax101.exercises import grade  # the package registers every grader
        >>> result = grade("sharp-bits/1", jnp.mean)  # doctest: +ELLIPSIS
        sharp-bits/1 ✗ mean_positive([-1.0, 2.0, -3.0, 4.0]) is 0.5, expected 3. Hint: ...
        >>> result.passed
        False
        >>> def mean_positive(v):
        ...     raise NotImplementedError  # your code here
        >>> grade("sharp-bits/1", mean_positive).status
        sharp-bits/1: not answered yet (replace the stub with your answer)
        'not answered'
        >>> grade("sharp-bits/9", mean_positive)
        Traceback (most recent call last):
        KeyError: 'sharp-bits/9: no such exercise; sharp-bits has sharp-bits/1 to sharp-bits/3'

    See also: :doc:`/getting-started`, whose exercises are graded this way.
    """
    item = _lookup(exercise_id)
    status: Status
    try:
        if answer is None or answer is Ellipsis:
            raise NotAnswered
        item.grader(answer)
    except (NotAnswered, NotImplementedError):
        status = "not answered"
        message = f"{exercise_id}: not answered yet (replace the stub with your answer)"
    except WrongKind as error:
        status = "wrong kind"
        message = f"{exercise_id} ✗ the answer should be {item.answer}; {error}"
    except Wrong as error:
        status = "wrong"
        message = f"{exercise_id} ✗ {error.message}"
        if error.hint:
            message += f" Hint: {error.hint}"
    else:
        status, message = "correct", f"{exercise_id} ✓ correct"
        _correct.add(exercise_id)
    if not quiet:
        print(message)
    return Grade(exercise_id, status, message)


def answered_correctly() -> list[str]:
    """Return the ids of the exercises :func:`grade` found correct in this process, sorted.

    The build report counts them per chapter: the chapter's hidden cells grade its
    reference solutions.

    Examples:
        >>> import jax.numpy as jnp
        >>> from jax101.exercises import grade
        >>> mean_positive = lambda u: jnp.where(u > 0, u, 0).sum() / jnp.maximum((u > 0).sum(), 1)
        >>> grade("sharp-bits/1", mean_positive, quiet=True).passed
        True
        >>> "sharp-bits/1" in answered_correctly()
        True
    """
    return sorted(_correct)


# Helpers shared by the graders.


def need_callable(answer: object) -> Callable[..., Any]:
    """Return ``answer`` if it can be called, else raise :class:`WrongKind`."""
    if not callable(answer):
        raise WrongKind(f"got {type(answer).__name__}")
    return answer


def call(fn: Callable[..., Any], *args: Any, hint: str = "", **kwargs: Any) -> Any:
    """Call the reader's function; a stub's ``None`` means "not answered"."""
    try:
        result = fn(*args, **kwargs)
    except (NotImplementedError, NotAnswered, Wrong, WrongKind):
        raise
    except Exception as error:
        raise Wrong(f"calling it raised {_first_line(error)}", hint) from error
    if result is None:
        raise NotAnswered
    return result


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def as_array(value: object, what: str) -> np.ndarray[Any, Any]:
    """``value`` as a NumPy array, or :class:`Wrong` naming ``what``."""
    try:
        return np.asarray(value)
    except Exception as error:
        raise Wrong(f"{what} is not an array ({type(value).__name__})") from error


def expect_shape(value: object, shape: tuple[int, ...], what: str, hint: str = "") -> None:
    """Raise :class:`Wrong` unless ``value`` has ``shape``."""
    got = tuple(np.shape(as_array(value, what)))
    if got != shape:
        raise Wrong(f"{what} has shape {got}, expected {shape}.", hint)


def expect_close(  # noqa: PLR0913 - the answer, the reference, what, hint, tolerances
    value: object,
    expected: object,
    what: str,
    hint: str = "",
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Raise :class:`Wrong` unless ``value`` matches ``expected`` (shape and values)."""
    want = np.asarray(expected)
    got = as_array(value, what)
    if got.shape != want.shape:
        raise Wrong(f"{what} has shape {got.shape}, expected {want.shape}.", hint)
    if not np.issubdtype(got.dtype, np.number) and got.dtype != np.bool_:
        raise Wrong(f"{what} has dtype {got.dtype}, expected numbers.", hint)
    nan = np.isnan(got.astype(float)) & ~np.isnan(want.astype(float))
    if nan.any():
        where = "" if got.ndim == 0 else str([int(i) for i in np.argwhere(nan)[0]])
        raise Wrong(f"{what}{where} is NaN, expected {_short(want[nan][0])}.", hint)
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        if got.ndim == 0:
            raise Wrong(f"{what} is {_short(got)}, expected {_short(want)}.", hint)
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        raise Wrong(
            f"{what}{list(index)} is {_short(got[index])}, expected "
            f"{_short(want[index])} ({int((~close).sum())} of {close.size} entries differ).",
            hint,
        )


def _short(value: np.ndarray[Any, Any]) -> str:
    item = np.asarray(value).item()
    return f"{item:.4g}" if isinstance(item, float) else repr(item)
