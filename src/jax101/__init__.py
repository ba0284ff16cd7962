"""jax101: the companion package of the JAX 101 book.

The chapters import everything they reuse from here: the check helpers that keep every
claim of the book true on every build, and the provenance record printed under each chapter.
"""

from ._checks import CheckFailed as CheckFailed
from ._checks import Compilations as Compilations
from ._checks import ExpectedError as ExpectedError
from ._checks import check as check
from ._checks import check_close as check_close
from ._checks import check_primitives as check_primitives
from ._checks import checks_run as checks_run
from ._checks import count_compilations as count_compilations
from ._checks import expect_error as expect_error
from ._provenance import Provenance as Provenance
from ._provenance import chapter_footer as chapter_footer
from ._provenance import provenance as provenance

__all__ = [
    "CheckFailed",
    "Compilations",
    "ExpectedError",
    "Provenance",
    "chapter_footer",
    "check",
    "check_close",
    "check_primitives",
    "checks_run",
    "count_compilations",
    "expect_error",
    "provenance",
]
