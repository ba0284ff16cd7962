"""The ``jax101`` kernel: a kernelspec in this environment with its own IPython profile.

Chapters run in the ``jax101`` kernel, whose kernelspec (written into this environment's
``share/jupyter/kernels``) gives it ``IPYTHONDIR`` pointing at a copy of ``conf/ipython``:
quiet logging, no history, DeprecationWarning/FutureWarning as errors. The Sphinx process's
own environment is left alone.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "jax101"
KERNEL_CONFIG = Path(__file__).resolve().parents[1] / "ipython"  # conf/ipython


def install_kernel(kernel_config: Path, prefix: Path = Path(sys.prefix)) -> Path:
    """Write the ``jax101`` kernelspec into ``prefix``, with its IPython profile beside it.

    The kernel is this environment's Python running ipykernel; its kernelspec sets
    ``IPYTHONDIR`` (only in the kernel's environment) to a copy of ``kernel_config``.
    Unchanged files are not rewritten, so concurrent builds do not disturb each other.

    Args:
        kernel_config: The folder holding ``profile_default``.
        prefix: The environment whose ``share/jupyter/kernels`` Jupyter searches.

    Returns:
        The kernelspec's folder.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as prefix:
        ...     spec = install_kernel(Path("conf/ipython"), Path(prefix))
        ...     json.loads((spec / "kernel.json").read_text())["env"]["IPYTHONDIR"].endswith(
        ...         "ipython"
        ...     )
        True
    """
    spec_dir = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    ipython_dir = spec_dir / "ipython"
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (JAX 101 build)",
        "language": "python",
        "env": {"IPYTHONDIR": str(ipython_dir)},
        "metadata": {"debugger": False},
    }
    spec_dir.mkdir(parents=True, exist_ok=True)
    _write_if_changed(spec_dir / "kernel.json", json.dumps(spec, indent=1))
    for source in sorted(kernel_config.rglob("*.py")):
        _write_if_changed(ipython_dir / source.relative_to(kernel_config), source.read_text())
    return spec_dir


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
        handle.write(text)
    Path(handle.name).replace(path)  # atomic: a starting kernel never reads half a file
