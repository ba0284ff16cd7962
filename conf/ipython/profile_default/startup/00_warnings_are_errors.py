"""Make DeprecationWarning and FutureWarning raised while a chapter cell runs an error.

A chapter that teaches a deprecated API would go stale silently; turning these warnings
into exceptions makes the build fail with the chapter, the cell and the warning.
"""

import warnings

import IPython

_saved_filters: list = []


def _strict(_info: object) -> None:
    _saved_filters[:] = warnings.filters
    warnings.simplefilter("error", DeprecationWarning)
    warnings.simplefilter("error", FutureWarning)


def _relaxed(_result: object) -> None:
    warnings.filters[:] = _saved_filters


_shell = IPython.get_ipython()
_shell.events.register("pre_run_cell", _strict)
_shell.events.register("post_run_cell", _relaxed)
del _shell
