"""Argument validation shared by jax101's functions: every problem is reported at once."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def integer_problem(name: str, value: object, minimum: int) -> str | None:
    """Say what is wrong with ``value`` as an integer argument ``>= minimum`` (None if fine).

    Examples:
        >>> integer_problem("steps", 2.5, 1)
        'steps must be an integer >= 1, got 2.5'
        >>> integer_problem("steps", True, 0)
        'steps must be an integer >= 0, got True'
        >>> integer_problem("steps", 3, 1) is None
        True
    """
    is_integer = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if is_integer and value >= minimum:  # type: ignore[operator]
        return None
    return f"{name} must be an integer >= {minimum}, got {value if is_integer else repr(value)}"


def number_problem(name: str, value: object, minimum: float | None = None) -> str | None:
    """Say what is wrong with ``value`` as a finite number (``>= minimum``) (None if fine).

    Examples:
        >>> number_problem("tol", -1e-3, minimum=0)
        'tol must be a finite number >= 0, got -0.001'
        >>> number_problem("bias", float("nan"))
        'bias must be a finite number, got nan'
        >>> number_problem("bias", "0.5") is None
        True
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if math.isfinite(number) and (minimum is None or number >= minimum):
        return None
    bound = "" if minimum is None else f" >= {minimum:g}"
    return f"{name} must be a finite number{bound}, got {value!r}"


def raise_problems(function: str, problems: Iterable[str | None]) -> None:
    """Raise one ValueError naming ``function`` and every problem found (if any).

    Examples:
        >>> raise_problems("train", [None, "steps must be an integer >= 1, got 0"])
        Traceback (most recent call last):
        ...
        ValueError: train got invalid arguments: steps must be an integer >= 1, got 0.
    """
    found = [problem for problem in problems if problem]
    if found:
        raise ValueError(f"{function} got invalid arguments: " + "; ".join(found) + ".")
