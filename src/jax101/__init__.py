"""jax101: the companion package of the JAX 101 book.

The chapters import everything they reuse from here: the check helpers that keep every
claim of the book true on every build, and the provenance record printed under each chapter.
"""

from . import exercises as exercises
from ._alternate import time_alternately as time_alternately
from ._benchmarks import BENCHMARKS as BENCHMARKS
from ._benchmarks import op_chain as op_chain
from ._benchmarks import run_benchmark as run_benchmark
from ._blocked import LossAndGradient as LossAndGradient
from ._blocked import loss_and_grad_blocked as loss_and_grad_blocked
from ._checks import CaughtError as CaughtError
from ._checks import CheckCannotFail as CheckCannotFail
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
from ._hlo import CollectiveBuffers as CollectiveBuffers
from ._hlo import collective_buffers as collective_buffers
from ._hlo import collectives as collectives
from ._hlo import count_kernels as count_kernels
from ._hlo import hlo_ops as hlo_ops
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
from ._records import figures_table as figures_table
from ._records import load_records as load_records
from ._records import record_problems as record_problems
from ._roofline import Roofline as Roofline
from ._roofline import roofline as roofline
from ._sharded import make_sharded_step as make_sharded_step
from ._sharded import shard_batch as shard_batch
from ._sharded import train_sharded as train_sharded
from ._timing import Timing as Timing
from ._timing import time_call as time_call
from ._timing import time_compile as time_compile
from ._train import History as History
from ._train import make_step as make_step
from ._train import train as train

__all__ = [
    "BENCHMARKS",
    "CaughtError",
    "CheckCannotFail",
    "CheckFailed",
    "CollectiveBuffers",
    "Compilations",
    "Dataset",
    "History",
    "LossAndGradient",
    "Params",
    "Provenance",
    "Roofline",
    "Timing",
    "accuracy",
    "check",
    "check_close",
    "check_primitives",
    "checks_passed",
    "collective_buffers",
    "collectives",
    "count_compilations",
    "count_kernels",
    "exercises",
    "expect_error",
    "figures_table",
    "hlo_ops",
    "load_records",
    "logits",
    "loss",
    "loss_and_grad_blocked",
    "loss_grad",
    "make_dataset",
    "make_sharded_step",
    "make_step",
    "newton",
    "op_chain",
    "plot_decision_boundaries",
    "predict_proba",
    "provenance",
    "record_problems",
    "roofline",
    "run_benchmark",
    "shard_batch",
    "time_alternately",
    "time_call",
    "time_compile",
    "train",
    "train_sharded",
]
