"""Record which public names of ``jax101`` a chapter uses, for the build's dependency tracking.

When a chapter first imports ``jax101``, the module's class becomes a subclass of
``ModuleType`` that notes every public attribute read from it (``jax101.check``, or
``from jax101 import check``). The build's hidden provenance cell reports the names; the
build maps them to the modules that define them (and what those import) and re-executes the
chapter only when one of those modules changes. Nothing is imported until the chapter does.
"""

import importlib.abc
import importlib.util
import sys
import types


class _RecordingModule(types.ModuleType):
    jax101_used: set = set()  # noqa: RUF012 - one record per kernel is the point

    def __getattribute__(self, name):
        if not name.startswith("_"):
            _RecordingModule.jax101_used.add(name)
        return super().__getattribute__(name)


class _RecordJax101(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "jax101":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.__class__ = _RecordingModule

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _RecordJax101())
