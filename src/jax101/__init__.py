"""jax101: the companion package of the JAX 101 book.

The chapters import everything they reuse from here: the check helpers that keep every
claim of the book true on every build, and the provenance record printed under each chapter.
"""

from ._checks import CaughtError as CaughtError
from ._checks import CheckFailed as CheckFailed
from ._checks import Compilations as Compilations
from ._checks import check as check
from ._checks import check_close as check_close
from ._checks import check_primitives as check_primitives
from ._checks import checks_passed as checks_passed
from ._checks import count_compilations as count_compilations
from ._checks import expect_error as expect_error
from ._data import Dataset as Dataset
from ._data import make_dataset as make_dataset
from ._logreg import Params as Params
from ._logreg import accuracy as accuracy
from ._logreg import logits as logits
from ._logreg import loss as loss
from ._logreg import loss_grad as loss_grad
from ._logreg import predict_proba as predict_proba
from ._newton import newton as newton
from ._plot import plot_decision_boundaries as plot_decision_boundaries
from ._provenance import Provenance as Provenance
from ._provenance import provenance as provenance
from ._timing import Timing as Timing
from ._timing import time_call as time_call
from ._timing import time_compile as time_compile
from ._train import History as History
from ._train import make_step as make_step
from ._train import train as train

__all__ = [
    "CaughtError",
    "CheckFailed",
    "Compilations",
    "Dataset",
    "History",
    "Params",
    "Provenance",
    "Timing",
    "accuracy",
    "check",
    "check_close",
    "check_primitives",
    "checks_passed",
    "count_compilations",
    "expect_error",
    "logits",
    "loss",
    "loss_grad",
    "make_dataset",
    "make_step",
    "newton",
    "plot_decision_boundaries",
    "predict_proba",
    "provenance",
    "time_call",
    "time_compile",
    "train",
]
