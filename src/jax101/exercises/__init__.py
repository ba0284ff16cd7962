"""Exercises that grade the reader's own answer: ``EXERCISES`` and :func:`grade`.

Every exercise of the book (the "Exercise N" headings of its chapters) has an id
``"chapter/N"`` and a grader. In a chapter, the reader's answer cell holds a stub, the next
cell calls ``jax101.exercises.grade(id, answer)``, which prints one line, and the solution
follows, collapsed. The build grades the chapter's reference solution in a hidden cell and
fails when it does not pass.
"""

from . import _advanced as _advanced
from . import _applied as _applied
from . import _basics as _basics
from ._core import EXERCISES as EXERCISES
from ._core import Exercise as Exercise
from ._core import Grade as Grade
from ._core import grade as grade

__all__ = ["EXERCISES", "Exercise", "Grade", "grade"]
