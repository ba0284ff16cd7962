"""Import an example program (a script in ``examples/``, not part of the package) as a module."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def import_example(script: Path) -> ModuleType:
    """Return ``script`` imported as a module named after its file, without running ``main``."""
    spec = importlib.util.spec_from_file_location(f"{script.stem}_example", script)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the example {script}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
